import type { Queue } from "bullmq";
import type { Config } from "@qforge/config";
import {
  createBatch,
  createLoneJob,
  deleteSubmission,
  newId,
  type Database,
} from "@qforge/database";
import { GENERATE_JOB, generateJobOptions, type ProviderQueueName } from "@qforge/queues";
import type { BatchView, CreateBatchBody, GenerateBody, JobView } from "@qforge/schemas";

/** Jobs per Redis round trip when queueing a batch. */
const ADD_CHUNK = 1000;

export interface Submitter {
  submitJob(tenantId: string, body: GenerateBody): Promise<JobView>;
  submitBatch(tenantId: string, body: CreateBatchBody): Promise<BatchView>;
}

function stripWebhook<T extends { webhook_url?: string | undefined }>(b: T) {
  const { webhook_url: _w, ...request } = b;
  return request;
}

/**
 * Writes the record first, then queues: a job in Redis always has its row. If queueing fails
 * (Redis down), the rows are removed again and the caller gets the error (a 503): a submission is
 * accepted whole or not at all.
 */
export function createSubmitter(
  config: Config,
  db: Database,
  queueFor: () => Queue & { name: ProviderQueueName | string },
): Submitter {
  const options = (jobId: string, lone: boolean) =>
    generateJobOptions({
      jobId,
      lone,
      attempts: config.jobAttempts,
      backoffMs: config.jobBackoffMs,
    });

  return {
    async submitJob(tenantId, body) {
      const id = newId();
      const job = await createLoneJob(db, {
        id,
        tenantId,
        request: stripWebhook(body),
        ...(body.webhook_url ? { webhookUrl: body.webhook_url } : {}),
      });
      try {
        const snapshot = {
          tenantId,
          request: job.request,
          webhooks: Boolean(body.webhook_url),
          batchId: null,
        };
        await queueFor().add(GENERATE_JOB, { jobId: id, snapshot }, options(id, true));
      } catch (error) {
        await deleteSubmission(db, { jobId: id }).catch(() => {});
        throw error;
      }
      return job;
    },

    async submitBatch(tenantId, body) {
      const id = newId();
      const jobs = body.items.map((request) => ({ id: newId(), request }));
      const batch = await createBatch(db, {
        id,
        tenantId,
        jobs,
        ...(body.webhook_url ? { webhookUrl: body.webhook_url } : {}),
        ...(body.metadata ? { metadata: body.metadata } : {}),
      });
      try {
        const queue = queueFor();
        for (let i = 0; i < jobs.length; i += ADD_CHUNK) {
          await queue.addBulk(
            jobs.slice(i, i + ADD_CHUNK).map((j) => ({
              name: GENERATE_JOB,
              data: {
                jobId: j.id,
                snapshot: {
                  tenantId,
                  request: j.request,
                  webhooks: Boolean(body.webhook_url),
                  batchId: id,
                },
              },
              opts: options(j.id, false),
            })),
          );
        }
      } catch (error) {
        // Jobs already queued find no row and end at once (see the processor).
        await deleteSubmission(db, { batchId: id }).catch(() => {});
        throw error;
      }
      return batch;
    },
  };
}
