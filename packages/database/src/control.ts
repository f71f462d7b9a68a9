import type { BatchView, JobView } from "@qforge/schemas";
import type { Database } from "./client.ts";
import { isId } from "./ids.ts";
import { markJobCancelled } from "./lifecycle.ts";
import { getJob } from "./reads.ts";
import { batchView } from "./views.ts";
import { prismaSql } from "./sql.ts";
import { recordBatchEvent } from "./webhooks.ts";

// Cancel and retry, as the API asks for them. Like the job transitions, each is one transaction
// that moves the batch's counters with the jobs it moves. Lock order is jobs first, then the
// batch row, the same order the job transitions take, so the two never deadlock.

export type CancelBatchResult =
  | { outcome: "not_found" }
  /** The batch had already completed: nothing was changed. */
  | { outcome: "ended"; batch: BatchView }
  | {
      outcome: "cancelled";
      batch: BatchView;
      /** The jobs this call cancelled (they were queued): their queue entries can go. */
      cancelledJobIds: string[];
      webhookDeliveries: string[];
    };

/**
 * Queued jobs → cancelled at once; the batch → `cancelled`. Active jobs are left to finish the
 * call in flight: their processor sees the batch cancelled and ends them `cancelled`, and the
 * last one to end fires `batch.cancelled`, or this call does when no job is active. Cancelling a
 * cancelled batch again changes nothing (it is answered as is).
 */
export async function cancelBatch(
  db: Database,
  tenantId: string,
  batchId: string,
): Promise<CancelBatchResult> {
  if (!isId(batchId)) return { outcome: "not_found" };
  const found = await db.batch.findFirst({ where: { id: batchId, tenantId } });
  if (!found) return { outcome: "not_found" };
  if (found.status === "completed") return { outcome: "ended", batch: batchView(found) };

  const result = await db.$transaction(async (tx) => {
    const cancelled = await tx.$queryRaw<{ id: string }[]>`
      UPDATE jobs SET status = 'cancelled', completed_at = now()
      WHERE batch_id = ${batchId}::uuid AND status = 'queued'
      RETURNING id::text`;
    const n = cancelled.length;
    const rows = await tx.$queryRaw<{ was_open: boolean; is_ended: boolean }[]>`
      WITH prev AS (SELECT id, completed_at FROM batches WHERE id = ${batchId}::uuid FOR UPDATE)
      UPDATE batches b SET
        queued_count = b.queued_count - ${n},
        cancelled_count = b.cancelled_count + ${n},
        status = 'cancelled',
        completed_at = CASE
          WHEN b.completed_at IS NULL
               AND b.completed_count + b.failed_count + b.cancelled_count + ${n} >= b.total
            THEN now()
          ELSE b.completed_at END
      FROM prev
      WHERE b.id = prev.id AND b.status IN ('queued', 'in_progress', 'cancelled')
      RETURNING prev.completed_at IS NULL AS was_open, b.completed_at IS NOT NULL AS is_ended`;
    const row = rows[0];
    // Completed meanwhile (its last active job ended): then no job was queued, nothing moved.
    if (!row) return null;
    const webhookDeliveries =
      row.was_open && row.is_ended ? await recordBatchEvent(prismaSql(tx), batchId) : [];
    const batch = await tx.batch.findUniqueOrThrow({ where: { id: batchId } });
    return {
      outcome: "cancelled" as const,
      batch: batchView(batch),
      cancelledJobIds: cancelled.map((c) => c.id),
      webhookDeliveries,
    };
  });
  if (result) return result;
  const now = await db.batch.findUniqueOrThrow({ where: { id: batchId } });
  return { outcome: "ended", batch: batchView(now) };
}

export type CancelJobResult =
  | { outcome: "not_found" }
  /** The job is not queued (and not already cancelled): nothing was changed. */
  | { outcome: "conflict"; job: JobView }
  | { outcome: "cancelled"; job: JobView; changed: boolean; webhookDeliveries: string[] };

/** One queued job (lone or in a batch) → cancelled. Already cancelled: answered as is. */
export async function cancelQueuedJob(
  db: Database,
  tenantId: string,
  jobId: string,
): Promise<CancelJobResult> {
  const before = await getJob(db, tenantId, jobId);
  if (!before) return { outcome: "not_found" };
  const moved = await markJobCancelled(db, jobId, undefined, ["queued"]);
  const job = (await getJob(db, tenantId, jobId)) ?? before;
  if (moved) {
    return {
      outcome: "cancelled",
      job,
      changed: true,
      webhookDeliveries: moved.webhookDeliveries,
    };
  }
  if (job.status === "cancelled") {
    return { outcome: "cancelled", job, changed: false, webhookDeliveries: [] };
  }
  return { outcome: "conflict", job };
}

export type RetryBatchResult =
  | { outcome: "not_found" }
  /** A cancelled batch is not retried. */
  | { outcome: "cancelled"; batch: BatchView }
  | { outcome: "retried"; batch: BatchView; jobIds: string[] };

class BatchCancelledMeanwhile extends Error {}

/**
 * The batch's failed jobs → queued again (error cleared; `attempts` keeps counting every attempt
 * made), the batch → in_progress. The caller queues `jobIds`. With no failed job, nothing
 * changes.
 */
export async function retryFailedJobs(
  db: Database,
  tenantId: string,
  batchId: string,
): Promise<RetryBatchResult> {
  if (!isId(batchId)) return { outcome: "not_found" };
  const found = await db.batch.findFirst({ where: { id: batchId, tenantId } });
  if (!found) return { outcome: "not_found" };
  if (found.status === "cancelled") return { outcome: "cancelled", batch: batchView(found) };
  try {
    return await db.$transaction(async (tx) => {
      const retried = await tx.$queryRaw<{ id: string }[]>`
        UPDATE jobs SET status = 'queued', error_code = NULL, error_message = NULL,
          completed_at = NULL
        WHERE batch_id = ${batchId}::uuid AND status = 'failed'
        RETURNING id::text`;
      const n = retried.length;
      const rows = await tx.$queryRaw<{ id: string }[]>`
        UPDATE batches SET
          failed_count = failed_count - ${n},
          queued_count = queued_count + ${n},
          status = CASE WHEN ${n} > 0 THEN 'in_progress'::"BatchStatus" ELSE status END,
          completed_at = CASE WHEN ${n} > 0 THEN NULL ELSE completed_at END
        WHERE id = ${batchId}::uuid AND status <> 'cancelled'
        RETURNING id::text`;
      if (rows.length === 0) throw new BatchCancelledMeanwhile();
      const batch = await tx.batch.findUniqueOrThrow({ where: { id: batchId } });
      return {
        outcome: "retried" as const,
        batch: batchView(batch),
        jobIds: retried.map((r) => r.id),
      };
    });
  } catch (error) {
    if (!(error instanceof BatchCancelledMeanwhile)) throw error;
    const now = await db.batch.findUniqueOrThrow({ where: { id: batchId } });
    return { outcome: "cancelled", batch: batchView(now) };
  }
}
