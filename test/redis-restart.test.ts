import { afterAll, beforeAll, expect, test } from "vitest";
import {
  batchEnded,
  countCompleted,
  exactness,
  startCluster,
  submitBatch,
  type Cluster,
} from "./helpers/cluster.ts";
import { startThrowawayRedis, type ThrowawayRedis } from "./helpers/redis-server.ts";
import { eventually } from "./helpers/system.ts";

// Redis restarts in the middle of a batch — once cleanly (SIGTERM: the append-only file is
// synced), once crashing (SIGKILL: up to a second of writes lost) — on a redis-server of this
// test's own (AOF, everysec, its own port). The API says 503 meanwhile; the worker process
// reconnects and the batch completes, exactly.

const JOBS = 200;
let redis: ThrowawayRedis;
let c: Cluster;

beforeAll(async () => {
  redis = await startThrowawayRedis({ appendOnly: true });
  c = await startCluster({
    redisUrl: redis.url,
    behaviour: { kind: "questions", latencyMs: 40 },
    env: { JOB_LOCK_MS: "3000", WORKER_CONCURRENCY: "8" },
  });
});
afterAll(async () => {
  await c?.close();
  await redis?.close();
});

async function outage(stop: () => Promise<void>, downMs: number) {
  await stop();
  // While Redis is gone: readiness fails and a submission is refused, promptly.
  const ready = await c.sys.call("/readyz");
  expect(ready.status).toBe(503);
  expect(ready.body.checks.redis).toBe("unreachable");
  const t0 = Date.now();
  const refused = await c.sys.call("/api/v1/questions/generate", {
    method: "POST",
    body: { role: "During Outage", difficulty: "easy", question_count: 1 },
  });
  expect(refused.status).toBe(503);
  expect(Date.now() - t0).toBeLessThan(6000);
  await new Promise((r) => setTimeout(r, downMs));
  await redis.start();
  await eventually(async () => (await c.sys.call("/readyz")).status === 200, 20_000);
}

test(`a batch of ${JOBS} completes through a Redis restart and a Redis crash`, async () => {
  await c.startWorker();
  const batchId = await submitBatch(
    c.sys,
    Array.from({ length: JOBS }, (_, i) => ({
      role: `Restart Role ${i}`,
      difficulty: "medium",
      question_count: 1 + (i % 4),
      fresh: true,
    })),
  );

  await eventually(async () => (await countCompleted(c.sys.db, batchId)) >= 40, 60_000, 50);
  const atRestart = await countCompleted(c.sys.db, batchId);
  await outage(() => redis.stop(), 1500);

  await eventually(async () => (await countCompleted(c.sys.db, batchId)) >= 110, 60_000, 50);
  const atCrash = await countCompleted(c.sys.db, batchId);
  await outage(() => redis.crash(), 1500);

  const batch = await batchEnded(c.sys.db, batchId, 90_000);
  expect(batch).toMatchObject({
    status: "completed",
    completedCount: JOBS,
    failedCount: 0,
    queuedCount: 0,
    activeCount: 0,
  });
  const exact = await exactness(c.sys.db, batchId);
  expect(exact).toMatchObject({ jobs: JOBS, completed: JOBS, wrongCount: 0, duplicates: 0 });
  expect(exact.questionRows).toBe(exact.expectedRows);
  console.log(
    `[figures] ${JOBS} jobs; Redis restarted at ${atRestart} completed, crashed at ${atCrash}; ` +
      `${c.fake.calls.length} provider calls; ${exact.questionRows} rows, duplicates ${exact.duplicates}`,
  );
}, 150_000);
