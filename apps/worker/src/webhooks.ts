import { delayOnOutage } from "./outage.ts";
import { Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "@qforge/config";
import {
  ensureSetting,
  getWebhookDelivery,
  pendingWebhookDeliveries,
  recordDeliveryAttempt,
  WEBHOOK_SECRET_SETTING,
  type Database,
} from "@qforge/database";
import { registerSecrets, type Logger } from "@qforge/logger";
import {
  DELIVER_JOB,
  enqueueWebhookDeliveries,
  WEBHOOKS_QUEUE,
  WebhookJobData,
  webhookRetryDelayMs,
} from "@qforge/queues";
import {
  createTenantSecrets,
  createWebhookSender,
  generateMasterSecret,
  type TenantSecrets,
  type WebhookSender,
  type WebhookSenderOptions,
} from "@qforge/webhooks";

/** Tenant signing secrets for this process; every secret is registered with the logger. */
export function webhookSecrets(config: Config, db: Database): TenantSecrets {
  return createTenantSecrets({
    configured: config.webhookSecret,
    loadStored: () => ensureSetting(db, WEBHOOK_SECRET_SETTING, generateMasterSecret()),
    onSecret: (s) => registerSecrets([s]),
  });
}

/**
 * Queues deliveries that a transition has just committed. Best effort: a delivery not queued now
 * (Redis hiccup, crash) stays pending in Postgres and housekeeping queues it.
 */
export interface WebhookOutbox {
  enqueue(ids: readonly string[]): Promise<void>;
}

export function webhookOutbox(queue: Queue, logger: Logger): WebhookOutbox {
  return {
    async enqueue(ids) {
      await enqueueWebhookDeliveries(queue, ids).catch((err: unknown) =>
        logger.warn({ err, deliveries: ids.length }, "could not queue webhook deliveries"),
      );
    },
  };
}

const hostForLog = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
};

/** One BullMQ job = one attempt at one event. The row records every attempt. */
export function createDeliveryProcessor(deps: {
  db: Database;
  sender: WebhookSender;
  secrets: TenantSecrets;
  logger: Logger;
}) {
  const { db, sender, secrets, logger } = deps;
  return async (job: Job): Promise<void> => {
    const parsed = WebhookJobData.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError("malformed delivery payload");
    const { deliveryId } = parsed.data;
    const delivery = await getWebhookDelivery(db, deliveryId);
    if (!delivery || delivery.status !== "pending") return;

    const secret = await secrets.forTenant(delivery.tenantId);
    const outcome = await sender.send({
      url: delivery.url,
      webhookId: delivery.webhookId,
      payload: delivery.payload,
      secret,
    });
    const attemptsMade = job.attemptsMade + 1;
    const more = !outcome.ok && outcome.retryable && attemptsMade < (job.opts.attempts ?? 1);
    await recordDeliveryAttempt(db, deliveryId, {
      ok: outcome.ok,
      status: outcome.status,
      error: outcome.error,
      nextAttemptAt: more ? new Date(Date.now() + webhookRetryDelayMs(attemptsMade)) : null,
    });
    const log = logger.child({
      deliveryId,
      event: delivery.event,
      host: hostForLog(delivery.url),
      attempt: attemptsMade,
    });
    if (outcome.ok) {
      log.info({ status: outcome.status }, "webhook delivered");
      return;
    }
    log.warn(
      { status: outcome.status, reason: outcome.error, retry: more },
      "webhook attempt failed",
    );
    const message = outcome.error ?? "delivery failed";
    throw outcome.retryable ? new Error(message) : new UnrecoverableError(message);
  };
}

/** The `webhooks` queue's worker, retrying on the schedule of `webhookRetryDelayMs`. */
export function startWebhookWorker(
  config: Config,
  db: Database,
  connection: Redis,
  logger: Logger,
  secrets: TenantSecrets,
  senderOptions: Partial<WebhookSenderOptions> = {},
): { worker: Worker; close(): Promise<void> } {
  const sender = createWebhookSender({
    allowPrivate: config.webhookAllowPrivateNetworks,
    ...senderOptions,
  });
  const processor = createDeliveryProcessor({ db, sender, secrets, logger });
  const worker = new Worker(
    WEBHOOKS_QUEUE,
    async (job, token) => {
      if (job.name !== DELIVER_JOB) throw new UnrecoverableError(`unknown job name ${job.name}`);
      // An outage of our own store spends none of the delivery's attempts.
      await processor(job).catch((error: unknown) =>
        delayOnOutage(job, token, error, config.jobBackoffMs, logger),
      );
    },
    {
      connection,
      prefix: config.queuePrefix,
      concurrency: config.workerConcurrency,
      // As the provider queues (JOB_LOCK_MS): a dead worker's deliveries are taken over then.
      lockDuration: config.jobLockMs,
      stalledInterval: config.jobLockMs,
      settings: { backoffStrategy: (attemptsMade: number) => webhookRetryDelayMs(attemptsMade) },
    },
  );
  worker.on("error", (err) => logger.error({ err, queue: WEBHOOKS_QUEUE }, "worker error"));
  return {
    worker,
    async close() {
      await sender.close().catch(() => {});
    },
  };
}

/**
 * Queues again pending deliveries older than `olderThanMs` that have no BullMQ job (a crash
 * between the transition's commit and its enqueue, or a Redis that lost its data). Returns how
 * many were queued.
 */
export async function requeuePendingDeliveries(
  db: Database,
  redis: Redis,
  queue: Queue,
  prefix: string,
  olderThanMs: number,
  limit = 1000,
): Promise<number> {
  const ids = await pendingWebhookDeliveries(db, olderThanMs, limit);
  if (ids.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.exists(`${prefix}:${WEBHOOKS_QUEUE}:${id}`);
  const results = (await pipeline.exec()) ?? [];
  const missing = ids.filter((_, i) => results[i]?.[1] === 0);
  await enqueueWebhookDeliveries(queue, missing);
  return missing.length;
}
