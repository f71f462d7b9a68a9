import { DelayedError, type Job } from "bullmq";
import { isStoreUnavailable } from "@qforge/database";
import type { Logger } from "@qforge/logger";

/**
 * Postgres (or Redis) out of reach is nobody's fault: the job waits and tries again without
 * spending one of its attempts. Rethrows anything else.
 */
export async function delayOnOutage(
  job: Job,
  token: string | undefined,
  error: unknown,
  backoffMs: number,
  logger: Logger,
): Promise<never> {
  if (isStoreUnavailable(error) && token) {
    logger.warn(
      { err: error, jobId: job.id, queue: job.queueName },
      "store unavailable; job delayed",
    );
    const delay = backoffMs + Math.floor(Math.random() * backoffMs);
    await job.moveToDelayed(Date.now() + delay, token);
    throw new DelayedError();
  }
  throw error;
}
