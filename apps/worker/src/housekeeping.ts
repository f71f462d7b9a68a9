import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "@qforge/config";
import type { Database } from "@qforge/database";
import type { Logger } from "@qforge/logger";
import {
  GENERATE_JOB,
  generateJobOptions,
  jobLocationKey,
  PROVIDER_QUEUES,
  WEBHOOKS_QUEUE,
} from "@qforge/queues";
import { requeuePendingDeliveries } from "./webhooks.ts";

// The API writes a job's row, then queues it. A crash between the two (or a Redis that lost its
// data) would leave a row that no worker will ever pick up; so would a BullMQ job that ended
// while its row could not be written (Postgres down). Housekeeping finds rows still queued or
// active whose BullMQ job is missing or finished, and queues them again under the same job id,
// so a job that is in fact queued or running is never doubled. One worker process at a time does it (a Redis lock; state shared across processes,
// which no library keeps for us here).

const LOCK_TTL_MS = 25_000;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`;

export interface Housekeeping {
  /** One pass; returns how many jobs were queued again. */
  requeueOrphans(olderThanMs?: number): Promise<number>;
  /** One pass over pending webhook deliveries without a queue entry; returns how many. */
  requeueUndelivered(olderThanMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export function startHousekeeping(
  config: Config,
  db: Database,
  redis: Redis,
  logger: Logger,
  opts: { intervalMs?: number; batchSize?: number } = {},
): Housekeeping {
  const entry = config.providers[0]?.name ?? config.providerOrder[0] ?? "groq";
  const queues = new Map(
    PROVIDER_QUEUES.map((name) => [
      name,
      new Queue(name, { connection: redis, prefix: config.queuePrefix }),
    ]),
  );
  for (const q of queues.values()) {
    q.on("error", (err) => logger.warn({ err }, "housekeeping queue error"));
  }
  const webhooks = new Queue(WEBHOOKS_QUEUE, { connection: redis, prefix: config.queuePrefix });
  webhooks.on("error", (err) => logger.warn({ err }, "housekeeping queue error"));
  const lockKey = `${config.queuePrefix}:housekeeping:lock`;
  const webhooksLockKey = `${config.queuePrefix}:housekeeping:webhooks:lock`;
  const batchSize = opts.batchSize ?? 2000;

  async function requeueOrphans(olderThanMs = 120_000): Promise<number> {
    const token = randomUUID();
    const got = await redis.set(lockKey, token, "PX", LOCK_TTL_MS, "NX");
    if (got !== "OK") return 0;
    try {
      const rows = await db.$queryRaw<{ id: string; batch_id: string | null }[]>`
        SELECT id::text, batch_id::text FROM jobs
        WHERE status IN ('queued', 'active')
          AND created_at < now() - make_interval(secs => ${olderThanMs / 1000})
        ORDER BY created_at
        LIMIT ${batchSize}`;
      if (rows.length === 0) return 0;
      // Per row and queue: does the BullMQ job exist, and has it finished?
      const pipeline = redis.pipeline();
      for (const row of rows) {
        for (const q of PROVIDER_QUEUES) {
          pipeline.hmget(`${config.queuePrefix}:${q}:${row.id}`, "timestamp", "finishedOn");
        }
      }
      // A job that moved between providers lives under another id (see jobLocationKey).
      const locations = rows.length
        ? await redis.hmget(jobLocationKey(config.queuePrefix), ...rows.map((r) => r.id))
        : [];
      const moved = new Map<string, string>();
      rows.forEach((row, i) => {
        const loc = locations[i];
        if (loc) moved.set(row.id, loc);
      });
      const movedLive = new Set<string>();
      if (moved.size > 0) {
        const check = redis.pipeline();
        const ids = [...moved.keys()];
        for (const id of ids) {
          const [queue, bullId] = moved.get(id)!.split("/");
          check.hmget(`${config.queuePrefix}:${queue}:${bullId}`, "timestamp", "finishedOn");
        }
        const res = (await check.exec()) ?? [];
        ids.forEach((id, i) => {
          const [created, finishedOn] = (res[i]?.[1] ?? []) as (string | null)[];
          if (created && !finishedOn) movedLive.add(id);
        });
      }
      const results = (await pipeline.exec()) ?? [];
      const orphans: typeof rows = [];
      const finished: { queue: string; id: string }[] = [];
      rows.forEach((row, i) => {
        let live = movedLive.has(row.id);
        PROVIDER_QUEUES.forEach((q, j) => {
          const [created, finishedOn] = (results[i * PROVIDER_QUEUES.length + j]?.[1] ?? []) as (
            string | null
          )[];
          if (created && !finishedOn) live = true;
          else if (created) finished.push({ queue: q, id: row.id });
        });
        if (!live) orphans.push(row);
      });
      if (orphans.length === 0) return 0;
      const orphanIds = new Set(orphans.map((o) => o.id));
      // A finished BullMQ job keeps its id: remove it so the id can be queued again.
      for (const f of finished) {
        if (orphanIds.has(f.id))
          await queues.get(f.queue as (typeof PROVIDER_QUEUES)[number])!.remove(f.id);
      }
      await redis.hdel(jobLocationKey(config.queuePrefix), ...orphans.map((o) => o.id));
      await queues.get(entry)!.addBulk(
        orphans.map((row) => ({
          name: GENERATE_JOB,
          data: { jobId: row.id },
          opts: generateJobOptions({
            jobId: row.id,
            lone: row.batch_id === null,
            attempts: config.jobAttempts,
            backoffMs: config.jobBackoffMs,
          }),
        })),
      );
      logger.warn({ count: orphans.length }, "queued jobs again that had no queue entry");
      return orphans.length;
    } finally {
      // Release only our own lock: a pass that outlived the TTL must not free another's.
      await redis.eval(RELEASE, 1, lockKey, token).catch(() => {});
    }
  }

  // Webhook outbox: deliveries committed with their transition whose enqueue was lost.
  async function requeueUndelivered(olderThanMs = 60_000): Promise<number> {
    const token = randomUUID();
    const got = await redis.set(webhooksLockKey, token, "PX", LOCK_TTL_MS, "NX");
    if (got !== "OK") return 0;
    try {
      const count = await requeuePendingDeliveries(
        db,
        redis,
        webhooks,
        config.queuePrefix,
        olderThanMs,
      );
      if (count > 0)
        logger.warn({ count }, "queued webhook deliveries again that had no queue entry");
      return count;
    } finally {
      await redis.eval(RELEASE, 1, webhooksLockKey, token).catch(() => {});
    }
  }

  const timer = setInterval(() => {
    requeueOrphans().catch((err: unknown) => logger.warn({ err }, "housekeeping pass failed"));
    requeueUndelivered().catch((err: unknown) =>
      logger.warn({ err }, "housekeeping webhooks pass failed"),
    );
  }, opts.intervalMs ?? 30_000);
  timer.unref();

  return {
    requeueOrphans,
    requeueUndelivered,
    async stop() {
      clearInterval(timer);
      await Promise.all([...queues.values(), webhooks].map((q) => q.close().catch(() => {})));
    },
  };
}
