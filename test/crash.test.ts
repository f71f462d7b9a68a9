import { afterAll, beforeAll, expect, test } from "vitest";
import {
  batchEnded,
  countCompleted,
  exactness,
  recordedRequests,
  startCluster,
  submitBatch,
  type Cluster,
} from "./helpers/cluster.ts";
import { eventually } from "./helpers/system.ts";

// Workers die mid-batch (SIGKILL: no cleanup, no goodbye) and others take over: every job
// completes with exactly its questions, none is lost, none is written twice.

const JOBS = 300;
const CONCURRENCY = 8;

let c: Cluster;
beforeAll(async () => {
  c = await startCluster({
    // A little latency, so that each kill lands with calls in flight.
    behaviour: { kind: "questions", latencyMs: 60 },
    env: { JOB_LOCK_MS: "3000", WORKER_CONCURRENCY: String(CONCURRENCY) },
  });
});
afterAll(async () => {
  await c?.close();
});

test(`SIGKILL twice during a batch of ${JOBS}: all complete, exactly, once`, async () => {
  const items = Array.from({ length: JOBS }, (_, i) => ({
    role: `Crash Role ${i}`,
    difficulty: (["easy", "medium", "hard"] as const)[i % 3],
    question_count: 1 + (i % 5),
    fresh: true,
  }));
  const first = await c.startWorker();
  const batchId = await submitBatch(c.sys, items);

  const kills: number[] = [];
  let current = first;
  for (const at of [60, 160]) {
    await eventually(async () => (await countCompleted(c.sys.db, batchId)) >= at, 60_000, 50);
    current.kill();
    await current.exited;
    kills.push(await countCompleted(c.sys.db, batchId));
    current = await c.startWorker();
  }

  const batch = await batchEnded(c.sys.db, batchId, 90_000);
  const exact = await exactness(c.sys.db, batchId);
  expect(batch).toMatchObject({
    status: "completed",
    total: JOBS,
    completedCount: JOBS,
    failedCount: 0,
    queuedCount: 0,
    activeCount: 0,
    cancelledCount: 0,
  });
  expect(exact).toEqual({
    jobs: JOBS,
    completed: JOBS,
    wrongCount: 0,
    duplicates: 0,
    questionRows: exact.expectedRows,
    expectedRows: items.reduce((n, i) => n + i.question_count, 0),
  });
  // The batch's usage is the sum of its jobs' (each job charged once).
  const [sums] = await c.sys.db.$queryRaw<{ calls: number }[]>`
    SELECT COALESCE(sum(provider_calls), 0)::int AS calls FROM jobs WHERE batch_id = ${batchId}::uuid`;
  expect(batch.providerCalls).toBe(sums!.calls);
  // Calls cut by a kill were made but produced nothing: more calls than jobs, and each of them
  // on the key's record, counted as it started (a call killed between its start and its record
  // is the only gap: at most the in-flight calls of each kill).
  const calls = c.fake.calls.length;
  const recorded = await recordedRequests(c.sys.db);
  expect(calls).toBeGreaterThanOrEqual(JOBS);
  expect(Math.abs(calls - recorded)).toBeLessThanOrEqual(CONCURRENCY * kills.length);
  console.log(
    `[figures] ${JOBS} jobs, ${kills.length} SIGKILLs (at ${kills.join(" and ")} completed), ` +
      `${calls} provider calls (${calls - sums!.calls} lost to kills), ${recorded} recorded, ` +
      `${exact.questionRows} question rows, duplicates ${exact.duplicates}, wrong counts ${exact.wrongCount}`,
  );
}, 150_000);
