import { DelayedError, Queue, Worker } from "bullmq";
import type { Config } from "@qforge/config";
import { failJob, isStoreUnavailable, type Database } from "@qforge/database";
import type { Logger } from "@qforge/logger";
import { GenerationCache } from "@qforge/cache";
import { Orchestrator } from "@qforge/orchestrator";
import { PROVIDER_NAMES, type ProviderName } from "@qforge/providers";
import { createRedis, GENERATE_JOB, GenerateJobData, WEBHOOKS_QUEUE } from "@qforge/queues";
import { startHousekeeping, type Housekeeping } from "./housekeeping.ts";
import { createGenerationProcessor } from "./processor.ts";
import { providerKeys } from "./providers.ts";
import { delayOnOutage } from "./outage.ts";
import { startWebhookWorker, webhookOutbox, webhookSecrets } from "./webhooks.ts";

export interface WorkerSystem {
  workers: Worker[];
  housekeeping: Housekeeping;
  orchestrator: Orchestrator;
  /** Stops fetching, lets active jobs finish (bounded), then closes connections. */
  close(timeoutMs?: number): Promise<void>;
}

/** Starts a worker for every provider queue this process serves (`WORKER_QUEUES`). */
export function startWorkers(config: Config, db: Database, logger: Logger): WorkerSystem {
  const publisher = createRedis(config.redisUrl, "worker");
  const connection = createRedis(config.redisUrl, "worker");
  const orchestrator = new Orchestrator(publisher, db, config, providerKeys(config), {
    keyReprobeMs: config.keyReprobeMs,
    onAlert: (a) =>
      logger.warn(
        { provider: a.provider, keyId: a.keyId, threshold: a.threshold },
        `provider key ${a.keyId} passed ${a.threshold}% of its daily limit`,
      ),
  });
  const queues = new Map(
    PROVIDER_NAMES.map((name) => [
      name,
      new Queue(name, { connection: publisher, prefix: config.queuePrefix }),
    ]),
  );
  for (const q of queues.values()) {
    q.on("error", (err) => logger.warn({ err, queue: q.name }, "queue error"));
  }
  const served = PROVIDER_NAMES.filter(
    (q: ProviderName) => !config.workerQueues || config.workerQueues.includes(q),
  );
  // Webhooks: transitions queue the deliveries they commit on this queue.
  const webhooksQueue = new Queue(WEBHOOKS_QUEUE, {
    connection: publisher,
    prefix: config.queuePrefix,
  });
  webhooksQueue.on("error", (err) => logger.warn({ err }, "webhooks queue error"));
  const outbox = webhookOutbox(webhooksQueue, logger);

  const workers = served.map((provider) => {
    const processor = createGenerationProcessor(provider, {
      config,
      db,
      publisher,
      orchestrator,
      cache: new GenerationCache(publisher, config.queuePrefix, config.cacheTtlSeconds),
      queues,
      logger,
      outbox,
    });
    const worker = new Worker(
      provider,
      async (job, token) => {
        if (job.name !== GENERATE_JOB) throw new Error(`unknown job name ${job.name}`);
        await processor(job).catch((error: unknown) =>
          delayOnOutage(job, token, error, config.jobBackoffMs, logger),
        );
      },
      {
        connection,
        prefix: config.queuePrefix,
        concurrency: config.workerConcurrency,
        // A worker that dies mid-job leaves it to be picked up again; a job that keeps killing
        // workers fails eventually instead of looping.
        maxStalledCount: 3,
      },
    );
    worker.on("error", (err) => logger.error({ err, queue: provider }, "worker error"));
    // A job can also fail without its processor recording it (stalled past maxStalledCount):
    // make sure its row ends too. The transition is conditional, so a job the processor already
    // failed is left as it is.
    worker.on("failed", (job, err) => {
      if (!job) return;
      const final =
        job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled more than/i.test(err.message);
      if (!final) return;
      const parsed = GenerateJobData.safeParse(job.data);
      if (!parsed.success) return;
      failJob(db, parsed.data.jobId, {
        code: "internal",
        message: err.message.slice(0, 500),
      })
        .then((t) => outbox.enqueue(t?.webhookDeliveries ?? []))
        .catch((e: unknown) =>
          logger.error({ err: e, jobId: parsed.data.jobId }, "could not record failure"),
        );
    });
    return worker;
  });
  const delivery =
    !config.workerQueues || config.workerQueues.includes(WEBHOOKS_QUEUE)
      ? startWebhookWorker(config, db, connection, logger, webhookSecrets(config, db))
      : undefined;
  if (delivery) workers.push(delivery.worker);
  const housekeeping = startHousekeeping(config, db, publisher, logger);
  logger.info(
    {
      queues: delivery ? [...served, WEBHOOKS_QUEUE] : served,
      concurrency: config.workerConcurrency,
    },
    "workers started",
  );

  return {
    workers,
    housekeeping,
    orchestrator,
    async close(timeoutMs = 30_000) {
      await housekeeping.stop();
      const closing = Promise.all(workers.map((w) => w.close()));
      const timer = new Promise<"timeout">((r) => setTimeout(r, timeoutMs, "timeout").unref());
      if ((await Promise.race([closing, timer])) === "timeout") {
        logger.warn("workers did not finish in time; forcing close");
        await Promise.all(workers.map((w) => w.close(true))).catch(() => {});
      }
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
      await delivery?.close();
      await webhooksQueue.close().catch(() => {});
      connection.disconnect();
      publisher.disconnect();
    },
  };
}
