import type { JobStatus, WebhookDeliveryView, WebhookEvent } from "@qforge/schemas";
import type { Batch, Job, Question, WebhookDelivery } from "./generated/prisma/client.ts";
import type { Database } from "./client.ts";
import { isId, newId } from "./ids.ts";
import { BATCH_COLUMNS, JOB_COLUMNS, QUESTION_COLUMNS, type Sql } from "./sql.ts";
import { batchView, jobView } from "./views.ts";

// The webhook outbox and delivery log. An event's row is inserted in the same transaction as the
// state change that causes it, so an event exists exactly when its change committed; the caller
// then queues the row's id on the `webhooks` queue (BullMQ dedupes by id) and housekeeping queues
// any pending row that lost its queue entry.

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * Inserts one event row unless this (event, subject, generation) already has one; returns its id
 * when inserted. The body is fixed now so every attempt sends the same bytes.
 */
async function insertEvent(
  tx: Sql,
  e: {
    tenantId: string;
    event: WebhookEvent;
    url: string;
    jobId: string | null;
    batchId: string | null;
    generation: number;
    data: unknown;
  },
): Promise<string[]> {
  const id = newId();
  const payload = JSON.stringify({
    type: e.event,
    timestamp: new Date().toISOString(),
    data: e.data,
  });
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO webhook_deliveries
      (id, tenant_id, event, webhook_id, url, job_id, batch_id, generation, payload)
    VALUES ($1::uuid, $2, $3, $4, $5, $6::uuid, $7::uuid, $8, $9)
    ON CONFLICT DO NOTHING
    RETURNING id::text`,
    [
      id,
      e.tenantId,
      e.event,
      "msg_" + id.replace(/-/g, ""),
      e.url,
      e.jobId,
      e.batchId,
      e.generation,
      payload,
    ],
  );
  return rows.map((r) => r.id);
}

/** `job.completed` / `job.failed` for a lone job with a webhook_url that has just ended so. */
export async function recordJobEvent(tx: Sql, jobId: string, status: JobStatus): Promise<string[]> {
  if (status !== "completed" && status !== "failed") return [];
  const [job] = await tx.query<Job>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1::uuid`, [jobId]);
  if (!job || job.batchId !== null || !job.webhookUrl) return [];
  const questions = await tx.query<Question>(
    `SELECT ${QUESTION_COLUMNS} FROM questions WHERE job_id = $1::uuid ORDER BY position`,
    [jobId],
  );
  return insertEvent(tx, {
    tenantId: job.tenantId,
    event: status === "completed" ? "job.completed" : "job.failed",
    url: job.webhookUrl,
    jobId,
    batchId: null,
    generation: 0,
    data: jobView({ ...job, questions }),
  });
}

/**
 * `batch.completed` or `batch.cancelled` for a batch whose last job has just ended. Call it only
 * from the transaction that ended it, which holds the batch's row lock: the generation (how many
 * times it ended before, i.e. was retried) is then counted without a race.
 */
export async function recordBatchEvent(tx: Sql, batchId: string): Promise<string[]> {
  const [batch] = await tx.query<Batch>(
    `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = $1::uuid`,
    [batchId],
  );
  if (!batch || !batch.webhookUrl) return [];
  const event: WebhookEvent = batch.status === "cancelled" ? "batch.cancelled" : "batch.completed";
  const [count] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM webhook_deliveries WHERE batch_id = $1::uuid AND event = $2`,
    [batchId, event],
  );
  return insertEvent(tx, {
    tenantId: batch.tenantId,
    event,
    url: batch.webhookUrl,
    jobId: null,
    batchId,
    generation: count?.n ?? 0,
    data: batchView(batch),
  });
}

export function deliveryView(d: WebhookDelivery): WebhookDeliveryView {
  return {
    id: d.id,
    event: d.event as WebhookEvent,
    webhook_id: d.webhookId,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    last_status: d.lastStatus,
    last_error: d.lastError,
    next_attempt_at: iso(d.nextAttemptAt),
    delivered_at: iso(d.deliveredAt),
    created_at: d.createdAt.toISOString(),
  };
}

/** A batch's or a lone job's deliveries, oldest first; null when the subject is not the tenant's. */
export async function listWebhookDeliveries(
  db: Database,
  tenantId: string,
  subject: { batchId: string } | { jobId: string },
): Promise<WebhookDeliveryView[] | null> {
  if ("batchId" in subject) {
    if (!isId(subject.batchId)) return null;
    const batch = await db.batch.findFirst({
      where: { id: subject.batchId, tenantId },
      select: { id: true },
    });
    if (!batch) return null;
  } else {
    if (!isId(subject.jobId)) return null;
    const job = await db.job.findFirst({
      where: { id: subject.jobId, tenantId },
      select: { id: true },
    });
    if (!job) return null;
  }
  const rows = await db.webhookDelivery.findMany({
    where: { tenantId, ...subject },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: 1000,
  });
  return rows.map(deliveryView);
}

export function getWebhookDelivery(db: Database, id: string): Promise<WebhookDelivery | null> {
  return db.webhookDelivery.findUnique({ where: { id } });
}

/** Records one attempt of a pending delivery (a delivered or abandoned one is left as it is). */
export async function recordDeliveryAttempt(
  db: Database,
  id: string,
  attempt: {
    ok: boolean;
    status: number | null;
    error: string | null;
    /** When the next attempt is due; null when none will follow. */
    nextAttemptAt: Date | null;
  },
): Promise<void> {
  const status = attempt.ok ? "delivered" : attempt.nextAttemptAt ? "pending" : "failed";
  await db.webhookDelivery.updateMany({
    where: { id, status: "pending" },
    data: {
      attempts: { increment: 1 },
      status,
      lastStatus: attempt.status,
      lastError: attempt.error?.slice(0, 500) ?? null,
      nextAttemptAt: attempt.nextAttemptAt,
      deliveredAt: attempt.ok ? new Date() : null,
    },
  });
}

/** Pending deliveries older than `olderThanMs`, oldest first: candidates for queueing again. */
export async function pendingWebhookDeliveries(
  db: Database,
  olderThanMs: number,
  limit: number,
): Promise<string[]> {
  const rows = await db.webhookDelivery.findMany({
    where: { status: "pending", createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    orderBy: { createdAt: "asc" },
    take: limit,
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** The settings key of the generated webhook master secret (when WEBHOOK_SECRET is unset). */
export const WEBHOOK_SECRET_SETTING = "webhook_master_secret";

/**
 * The stored value of a setting, writing `candidate` if there is none yet. Processes that start
 * together all read the value that won the insert.
 */
export async function ensureSetting(db: Database, key: string, candidate: string): Promise<string> {
  await db.$executeRaw`
    INSERT INTO settings (key, value) VALUES (${key}, ${candidate}) ON CONFLICT (key) DO NOTHING`;
  const row = await db.setting.findUnique({ where: { key } });
  if (!row) throw new Error(`setting ${key} vanished after insert`);
  return row.value;
}
