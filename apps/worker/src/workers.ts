import { DelayedError, Queue, Worker, type Job } from "bullmq";
import type { Config } from "@qforge/config";
import { failJob, isStoreUnavailable, type Database } from "@qforge/database";
import type { Logger } from "@qforge/logger";
import { GenerationCache } from "@qforge/cache";
import { Orchestrator } from "@qforge/orchestrator";
import { PROVIDER_NAMES, type ProviderName } from "@qforge/providers";
import {
  checkEvictionPolicy,
  createRedis,
  GENERATE_JOB,
  GenerateJobData,
  WEBHOOKS_QUEUE,
  within,
} from "@qforge/queues";
import { Afterwards } from "./afterwards.ts";
import { LeaseShelf } from "./shelf.ts";
import { startHousekeeping, type Housekeeping } from "./housekeeping.ts";
import { createGenerationProcessor } from "./processor.ts";
import { providerKeys } from "./providers.ts";
import { delayOnOutage } from "./outage.ts";
import { startWebhookWorker, webhookOutbox, webhookSecrets } from "./webhooks.ts";

export interface WorkerSystem {
  workers: Worker[];
  housekeeping: Housekeeping;
  orchestrator: Orchestrator;
  /**
   * Stops fetching, lets active jobs finish within `timeoutMs` (SHUTDOWN_TIMEOUT_MS), releases
   * the ones that did not to other workers, then closes its Redis connections. Bounded even when
   * Redis is out of reach. Resolves true when every active job finished.
   */
  close(timeoutMs?: number): Promise<boolean>;
}

/** Starts a worker for every provider queue this process serves (`WORKER_QUEUES`). */
export function startWorkers(config: Config, db: Database, logger: Logger): WorkerSystem {
  // Our own commands (the orchestrator's scripts, publishes, the cache) auto-pipeline on one
  // connection; BullMQ's go on another. ioredis copies every script defined on a connection into
  // each pipeline it builds, and BullMQ defines some 40: sharing made each of our round trips
  // copy them all (4 % of the worker's CPU).
  const publisher = createRedis(config.redisUrl, "worker", { pipelining: true });
  const connection = createRedis(config.redisUrl, "worker");
  checkEvictionPolicy(publisher, (message) => logger.warn(message));
  /** Jobs this process is running, with their lock tokens, to release them at shutdown. */
  const active = new Map<string, { job: Job; token: string }>();
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
      new Queue(name, { connection, prefix: config.queuePrefix }),
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
    connection,
    prefix: config.queuePrefix,
  });
  webhooksQueue.on("error", (err) => logger.warn({ err }, "webhooks queue error"));
  const outbox = webhookOutbox(webhooksQueue, logger);
  // At most about one job's worth each for as many jobs again as run at once.
  const afterwards = new Afterwards(config.workerConcurrency);

  const shelves: LeaseShelf[] = [];
  const workers = served.map((provider) => {
    const shelf = new LeaseShelf(orchestrator, provider, logger, config.workerConcurrency);
    shelves.push(shelf);
    const processor = createGenerationProcessor(provider, {
      config,
      db,
      publisher,
      orchestrator,
      cache: new GenerationCache(publisher, config.queuePrefix, config.cacheTtlSeconds),
      queues,
      logger,
      outbox,
      afterwards,
      shelf,
    });
    const worker = new Worker(
      provider,
      async (job, token) => {
        if (job.name !== GENERATE_JOB) throw new Error(`unknown job name ${job.name}`);
        const key = `${provider}/${job.id}`;
        if (token) active.set(key, { job, token });
        try {
          await processor(job).catch((error: unknown) =>
            delayOnOutage(job, token, error, config.jobBackoffMs, logger),
          );
        } finally {
          active.delete(key);
        }
      },
      {
        connection,
        prefix: config.queuePrefix,
        concurrency: config.workerConcurrency,
        // A worker that dies mid-job leaves it to be picked up again; a job that keeps killing
        // workers fails eventually instead of looping.
        maxStalledCount: 3,
        // How long a dead worker's jobs stay locked before the stalled check (run as often, by
        // every live worker) hands them over; a live worker renews its locks at half of it.
        lockDuration: config.jobLockMs,
        stalledInterval: config.jobLockMs,
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
  const housekeeping = startHousekeeping(config, db, connection, logger);
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
    async close(timeoutMs = config.shutdownTimeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const left = () => deadline - Date.now();
      /** Each closing step below gets what is left, within 200 ms..2 s. */
      const step = () => Math.max(200, Math.min(2000, left()));
      // Stops fetching at once; resolves when the active jobs have finished. BullMQ's close()
      // waits on Redis, so with Redis gone it may never resolve: everything here is bounded.
      const closing = Promise.all([
        housekeeping.stop(),
        ...workers.map((w) => w.close().catch(() => {})),
      ]);
      const finished = await within(closing, left());
      if (!finished) {
        const running = [...active.values()];
        logger.warn(
          { active: running.length, timeoutMs },
          "shutdown: active jobs did not finish in time; releasing them to other workers",
        );
        // Back to waiting, so another worker takes them now rather than when their locks expire.
        // (worker.close(true) cannot do it: BullMQ returns the first close() call's promise.) A
        // job whose processor still writes later is harmless: every transition is conditional.
        // With Redis out of reach this fails, and the stalled check hands them over instead.
        await within(
          Promise.allSettled(running.map(({ job, token }) => job.moveToWait(token))),
          Math.min(2000, Math.max(500, left())),
        );
      }
      // The finished jobs' Redis bookkeeping, before its connection closes.
      await within(afterwards.drain(), step());
      // Keys reserved ahead for jobs that will not come here now go back.
      await within(Promise.all(shelves.map((s) => s.releaseAll())), step());
      await within(
        Promise.all([
          ...[...queues.values()].map((q) => q.close().catch(() => {})),
          delivery?.close(),
          webhooksQueue.close().catch(() => {}),
        ]),
        step(),
      );
      for (const w of workers) void w.disconnect().catch(() => {});
      connection.disconnect();
      publisher.disconnect();
      return finished;
    },
  };
}
