import type { BatchView, GenerateRequest, JobView } from "@qforge/schemas";
import type { Database } from "./client.ts";
import { batchView, jobView } from "./views.ts";

export interface NewJob {
  id: string;
  request: GenerateRequest;
}

export async function createLoneJob(
  db: Database,
  input: { id: string; tenantId: string; request: GenerateRequest; webhookUrl?: string },
): Promise<JobView> {
  const job = await db.job.create({
    data: {
      id: input.id,
      tenantId: input.tenantId,
      request: input.request,
      webhookUrl: input.webhookUrl ?? null,
    },
  });
  return jobView({ ...job, questions: [] });
}

/**
 * The batch and all its jobs in one transaction: a batch is never seen half-written. The jobs go
 * in as one INSERT … SELECT FROM unnest(arrays): an order of magnitude faster than createMany's
 * parameter-per-value statements for 10,000 rows.
 */
export async function createBatch(
  db: Database,
  input: {
    id: string;
    tenantId: string;
    jobs: readonly NewJob[];
    webhookUrl?: string;
    metadata?: Record<string, string>;
  },
): Promise<BatchView> {
  const [batch] = await db.$transaction([
    db.batch.create({
      data: {
        id: input.id,
        tenantId: input.tenantId,
        total: input.jobs.length,
        queuedCount: input.jobs.length,
        webhookUrl: input.webhookUrl ?? null,
        ...(input.metadata ? { metadata: input.metadata } : {}),
      },
    }),
    db.$executeRaw`
      INSERT INTO jobs (id, tenant_id, batch_id, item_index, request)
      SELECT id, ${input.tenantId}, ${input.id}::uuid, item_index, request::jsonb
      FROM unnest(
        ${input.jobs.map((j) => j.id)}::uuid[],
        ${input.jobs.map((_, i) => i)}::int[],
        ${input.jobs.map((j) => JSON.stringify(j.request))}::text[]
      ) AS t(id, item_index, request)`,
  ]);
  return batchView(batch);
}

/** Undoes a submission whose jobs could not be queued (Redis down): nothing half-accepted. */
export async function deleteSubmission(
  db: Database,
  target: { batchId: string } | { jobId: string },
): Promise<void> {
  if ("batchId" in target) await db.batch.delete({ where: { id: target.batchId } });
  else await db.job.delete({ where: { id: target.jobId } });
}
