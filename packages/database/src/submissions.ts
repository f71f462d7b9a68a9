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

/** The batch and all its jobs in one transaction: a batch is never seen half-written. */
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
    db.job.createMany({
      data: input.jobs.map((j, index) => ({
        id: j.id,
        tenantId: input.tenantId,
        batchId: input.id,
        index,
        request: j.request,
      })),
    }),
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
