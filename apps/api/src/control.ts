import type { Redis } from "ioredis";
import type { Queue } from "bullmq";
import type { Config } from "@qforge/config";
import {
  cancelBatch,
  cancelQueuedJob,
  isId,
  isStoreUnavailable,
  retryFailedJobs,
  type CancelBatchResult,
  type CancelJobResult,
  type Database,
  type RetryBatchResult,
} from "@qforge/database";
import type { Logger } from "@qforge/logger";
import {
  enqueueWebhookDeliveries,
  GENERATE_JOB,
  generateJobOptions,
  PROVIDER_QUEUES,
  markCancelled,
  publishBatchChange,
  WEBHOOKS_QUEUE,
} from "@qforge/queues";

// Cancel and retry: the record changes in Postgres first (packages/database/src/control.ts);
// Redis follows: the cancel is marked there (the mark that workers check before a job's first
// call), then the cancelled jobs' queue entries are removed, which is only a saving: a job that
// is picked up anyway finds the mark, or its row cancelled, and makes no call.

const CHUNK = 500;

export interface Control {
  cancelBatch(tenantId: string, batchId: string): Promise<CancelBatchResult>;
  cancelJob(tenantId: string, jobId: string): Promise<CancelJobResult>;
  retryBatch(tenantId: string, batchId: string): Promise<RetryBatchResult>;
}

export function createControl(
  config: Config,
  db: Database,
  queueFor: () => Queue,
  queueNamed: (name: string) => Queue,
  logger: Logger,
  /** For change events and cancel marks (optional: a control without it does neither). */
  publisher?: Redis,
): Control {
  /** Removes these jobs' entries from every provider queue (an active one stays: it is locked). */
  async function removeEntries(jobIds: readonly string[]): Promise<void> {
    for (const name of PROVIDER_QUEUES) {
      const queue = queueNamed(name);
      for (let i = 0; i < jobIds.length; i += CHUNK) {
        await Promise.all(
          jobIds.slice(i, i + CHUNK).map((id) =>
            queue.remove(id).catch((error: unknown) => {
              if (isStoreUnavailable(error)) throw error;
              return 0;
            }),
          ),
        );
      }
    }
  }

  /** Best effort: a delivery not queued now stays pending and housekeeping queues it. */
  async function enqueueDeliveries(ids: readonly string[]): Promise<void> {
    await enqueueWebhookDeliveries(queueNamed(WEBHOOKS_QUEUE), ids).catch((err: unknown) =>
      logger.warn({ err }, "could not queue webhook deliveries; housekeeping will"),
    );
  }

  // Open progress streams learn of it now rather than at their next periodic re-read.
  const changed = (batchId: string, status: string) => {
    if (!publisher) return;
    publishBatchChange(publisher, config.queuePrefix, batchId, status).catch((err: unknown) =>
      logger.warn({ err, batchId }, "could not publish batch change"),
    );
  };

  /**
   * Workers ask Redis, not Postgres, whether a job may make its first call (see the processor's
   * deferred start): the mark follows the commit. Best effort: without it, a job picked up
   * anyway makes its call (with the key retries of that call), and its end finds the row
   * cancelled, keeps nothing and charges the job.
   */
  const markInRedis = async (id: string) => {
    if (!publisher) return;
    await markCancelled(publisher, config.queuePrefix, id).catch((err: unknown) =>
      logger.warn({ err }, "could not mark the cancel in Redis"),
    );
  };

  const removeInBackground = (jobIds: readonly string[]) => {
    if (jobIds.length === 0) return;
    removeEntries(jobIds).catch((err: unknown) =>
      logger.warn({ err, jobs: jobIds.length }, "could not remove cancelled jobs from the queues"),
    );
  };

  return {
    async cancelBatch(tenantId, batchId) {
      const result = await cancelBatch(db, tenantId, batchId);
      if (result.outcome === "cancelled") {
        await markInRedis(batchId);
        await enqueueDeliveries(result.webhookDeliveries);
        removeInBackground(result.cancelledJobIds);
        changed(batchId, "cancelled");
      }
      return result;
    },

    async cancelJob(tenantId, jobId) {
      const result = await cancelQueuedJob(db, tenantId, jobId);
      // Marked again on a repeat, in case the first mark did not get through.
      if (result.outcome === "cancelled") await markInRedis(jobId);
      if (result.outcome === "cancelled" && result.changed) {
        await enqueueDeliveries(result.webhookDeliveries);
        removeInBackground([jobId]);
      }
      return result;
    },

    async retryBatch(tenantId, batchId) {
      // A failed job's finished queue entry keeps its id, and BullMQ would ignore a new job
      // under it: remove the entries first. Doing it before the change also means an
      // unreachable Redis is a 503 that changed nothing.
      if (!isId(batchId)) return { outcome: "not_found" };
      const failed = await db.job.findMany({
        where: { batchId, tenantId, status: "failed" },
        select: { id: true, attempts: true },
      });
      // A retried job starts a fresh set of JOB_ATTEMPTS; its `attempts` keeps counting on.
      const attemptsMade = new Map(failed.map((j) => [j.id, j.attempts]));
      await removeEntries(failed.map((j) => j.id));
      const result = await retryFailedJobs(db, tenantId, batchId);
      if (result.outcome !== "retried" || result.jobIds.length === 0) return result;
      const removed = new Set(failed.map((j) => j.id));
      const queue = queueFor();
      try {
        // Jobs that failed between the listing and the change.
        await removeEntries(result.jobIds.filter((id) => !removed.has(id)));
        for (let i = 0; i < result.jobIds.length; i += CHUNK) {
          await queue.addBulk(
            result.jobIds.slice(i, i + CHUNK).map((id) => ({
              name: GENERATE_JOB,
              data: { jobId: id, attemptBase: attemptsMade.get(id) ?? 0 },
              opts: generateJobOptions({
                jobId: id,
                lone: false,
                attempts: config.jobAttempts,
                backoffMs: config.jobBackoffMs,
              }),
            })),
          );
        }
      } catch (err) {
        // The rows are queued in Postgres; housekeeping queues rows that have no queue entry.
        logger.warn({ err, batchId }, "retried jobs not all queued; housekeeping will");
      }
      changed(batchId, "in_progress");
      return result;
    },
  };
}
