import type { JobsOptions, Queue } from "bullmq";
import { z } from "zod";

// The `webhooks` queue: one BullMQ job per event, under the delivery row's id, so queueing the
// same event twice (the transition's caller and housekeeping) gives one job.

export const WEBHOOKS_QUEUE = "webhooks";
export const DELIVER_JOB = "deliver";
/** The name of the custom backoff; the webhooks Worker maps it to `webhookRetryDelayMs`. */
export const WEBHOOK_BACKOFF = "webhook";

export const WebhookJobData = z.object({ deliveryId: z.uuid() });
export type WebhookJobData = z.infer<typeof WebhookJobData>;

const FIRST_RETRY_MS = 5_000;
const MAX_DELAY_MS = 60 * 60_000;
/** Retries go on for at least this long after the first attempt. */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 60 * 60_000;

/**
 * The wait before the next attempt after `attemptsMade` attempts failed: 5 s, doubling each
 * time (10 s, 20 s, … 42 min 40 s), then hourly.
 */
export function webhookRetryDelayMs(attemptsMade: number): number {
  const n = Math.max(1, Math.floor(attemptsMade));
  return Math.min(MAX_DELAY_MS, FIRST_RETRY_MS * 2 ** Math.min(n - 1, 30));
}

/** Attempts in all: the first, then as many retries as it takes to span the retry window. */
export const WEBHOOK_DELIVERY_ATTEMPTS = (() => {
  let total = 0;
  let attempts = 1;
  while (total < WEBHOOK_RETRY_WINDOW_MS) total += webhookRetryDelayMs(attempts++);
  return attempts;
})();

export function webhookJobOptions(deliveryId: string): JobsOptions {
  return {
    jobId: deliveryId,
    attempts: WEBHOOK_DELIVERY_ATTEMPTS,
    backoff: { type: WEBHOOK_BACKOFF },
    // Postgres keeps the delivery log; Redis keeps a recent window for Bull Board.
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 5000 },
  };
}

/** Queues deliveries (outbox rows already committed). Safe to call twice for the same ids. */
export async function enqueueWebhookDeliveries(
  queue: Queue,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await queue.addBulk(
    ids.map((id) => ({ name: DELIVER_JOB, data: { deliveryId: id }, opts: webhookJobOptions(id) })),
  );
}
