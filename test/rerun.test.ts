import { afterAll, beforeAll, expect, test } from "vitest";
import {
  completeJob,
  createBatch,
  failJob,
  markJobActive,
  markJobRetrying,
  newId,
} from "@qforge/database";
import { normalizeText } from "@qforge/schemas";
import {
  batchEnded,
  exactness,
  FAULT_GROQ_KEY,
  recordedRequests,
  startCluster,
  submitBatch,
  type Cluster,
} from "./helpers/cluster.ts";
import type { AppProcess } from "./helpers/processes.ts";
import { startFaultProxy, type FaultProxy } from "./helpers/proxy.ts";
import { startReceiver, type Receiver } from "./helpers/receiver.ts";
import { testWebhookSecret } from "./helpers/secrets.ts";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { eventually } from "./helpers/system.ts";

// BullMQ delivers at least once: a job can run twice. Its effects happen once all the same —
// questions stored, batch counted, usage charged, webhook event recorded — because Postgres
// enforces it (unique keys, conditional transitions), whatever the worker believed.

let c: Cluster;
let proxy: FaultProxy;
let receiver: Receiver;
/** The worker that serves after the first one is killed. */
let survivor: AppProcess | undefined;

beforeAll(async () => {
  proxy = await startFaultProxy(Number(new URL(TEST_REDIS_URL).port || 6379));
  receiver = await startReceiver();
  c = await startCluster({
    env: {
      JOB_LOCK_MS: "3000",
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
      WEBHOOK_SECRET: testWebhookSecret("rerun-tests-webhook"),
    },
  });
});
afterAll(async () => {
  await c?.close();
  await proxy?.close();
  await receiver?.close();
});

/** Rows of the webhook outbox for a batch or a job, by event. */
async function webhookEvents(where: { batchId?: string; jobId?: string }) {
  const rows = await c.sys.db.webhookDelivery.findMany({ where });
  return rows.map((r) => r.event).sort();
}

/** Distinct webhook-ids the receiver got on `path` (retries repeat the id). */
const deliveredIds = (path: string) =>
  new Set(receiver.at(path).map((h) => h.headers["webhook-id"]));

const usageOf = (id: string) =>
  c.sys.db.job.findUniqueOrThrow({
    where: { id },
    select: { status: true, providerCalls: true, promptTokens: true, completionTokens: true },
  });

test("killed after its answer was stored, before BullMQ heard: the rerun changes nothing", async () => {
  const w1 = await c.startWorker({ REDIS_URL: proxy.url(TEST_REDIS_URL), WORKER_CONCURRENCY: "1" });
  // Frozen exactly there: the job's row is completed in Postgres, and the worker's next Redis
  // commands (BullMQ's acknowledgement, moving the job to the queue's completed set, then the
  // change published on the batch's channel with the call's settlement) never go through.
  const held = proxy.holdWhen(`${c.sys.config.queuePrefix}:groq:completed`);
  const batchId = await submitBatch(
    c.sys,
    Array.from({ length: 3 }, (_, i) => ({
      role: `Idempotent ${i}`,
      difficulty: "medium",
      question_count: 3,
      fresh: true,
    })),
    { webhook_url: `${receiver.url}/batch` },
  );
  await held;
  const done = await c.sys.db.job.findFirstOrThrow({ where: { batchId, status: "completed" } });
  w1.kill();
  await w1.exited;
  // The dead worker's held commands must go nowhere: its connections close before traffic flows.
  await eventually(async () => proxy.openConnections() === 0, 5000);
  proxy.up();
  const before = await c.sys.db.batch.findUniqueOrThrow({ where: { id: batchId } });
  expect(before.completedCount).toBe(1);
  expect(c.fake.calls).toHaveLength(1);

  // The next worker finds the job stalled (its lock expired), runs it again, and that run sees
  // it ended: no provider call, no write.
  survivor = await c.startWorker({ PROVIDER_TIMEOUT_MS: "1500" });
  const batch = await batchEnded(c.sys.db, batchId);
  expect(batch).toMatchObject({ status: "completed", completedCount: 3, failedCount: 0 });
  await eventually(async () =>
    survivor!
      .logs()
      .some(
        (l) => l.jobId === done.id && /^job already ended.* nothing to do$/.test(String(l.msg)),
      ),
  );
  const exact = await exactness(c.sys.db, batchId);
  expect(exact).toMatchObject({ jobs: 3, completed: 3, wrongCount: 0, duplicates: 0 });
  expect(exact.questionRows).toBe(9);
  // One provider call per job, charged once to the job, once to the batch, once per key.
  expect(c.fake.calls).toHaveLength(3);
  expect(await usageOf(done.id)).toMatchObject({ providerCalls: 1 });
  const jobs = await c.sys.db.job.findMany({ where: { batchId } });
  expect(jobs.map((j) => j.providerCalls)).toEqual([1, 1, 1]);
  expect(batch.providerCalls).toBe(3);
  expect(batch.promptTokens).toBe(jobs.reduce((n, j) => n + j.promptTokens, 0));
  expect(batch.completionTokens).toBe(jobs.reduce((n, j) => n + j.completionTokens, 0));
  expect(await recordedRequests(c.sys.db)).toBe(3);
  // One batch.completed event, recorded once, delivered under one webhook-id.
  expect(await webhookEvents({ batchId })).toEqual(["batch.completed"]);
  await eventually(async () => deliveredIds("/batch").size === 1, 20_000);
  console.log("[figures] rerun after kill: 3 jobs, 3 provider calls, 9 rows, 0 duplicates");
}, 60_000);

test("a provider call in flight when its worker dies is counted; the job is charged once", async () => {
  const requestsBefore = await recordedRequests(c.sys.db);
  const callsBefore = c.fake.calls.length;
  c.fake.setRoleDefault("In Flight", { kind: "hang" });
  const res = await c.sys.call("/api/v1/questions/generate", {
    method: "POST",
    body: { role: "In Flight", difficulty: "easy", question_count: 2, fresh: true },
  });
  expect(res.status).toBe(202);
  await eventually(async () => c.fake.calls.length > callsBefore, 20_000, 20);
  // Counted as the call started, not when it answers (it never will).
  await eventually(async () => (await recordedRequests(c.sys.db)) === requestsBefore + 1);
  survivor!.kill();
  await survivor!.exited;
  const [row] = await c.sys.db.providerUsage.findMany();
  expect(row).toMatchObject({ keyId: "groq#1", failures: 0 });

  c.fake.setRoleDefault("In Flight", { kind: "questions" });
  survivor = await c.startWorker({ PROVIDER_TIMEOUT_MS: "1500" });
  await eventually(async () => (await usageOf(res.body.id)).status === "completed", 30_000);
  // Two requests were made and both are on the key's record; the job paid for the one that
  // produced its questions (the first left no answer to charge).
  expect(await recordedRequests(c.sys.db)).toBe(requestsBefore + 2);
  expect(c.fake.calls.length - callsBefore).toBe(2);
  expect(await usageOf(res.body.id)).toMatchObject({ providerCalls: 1 });
  expect(await c.sys.db.question.count({ where: { jobId: res.body.id } })).toBe(2);
}, 60_000);

test("an answer that arrives after the timeout is discarded: the job completes once", async () => {
  const callsBefore = c.fake.calls.length;
  const requestsBefore = await recordedRequests(c.sys.db);
  // PROVIDER_TIMEOUT_MS is 1500 in this worker: the first answer comes at 3 s.
  c.fake.script(FAULT_GROQ_KEY, { kind: "questions", latencyMs: 3000 });
  const res = await c.sys.call("/api/v1/questions/generate", {
    method: "POST",
    body: {
      role: "Late Answer",
      difficulty: "hard",
      question_count: 4,
      fresh: true,
      webhook_url: `${receiver.url}/late`,
    },
  });
  expect(res.status).toBe(202);
  const id = res.body.id as string;
  await eventually(async () => (await usageOf(id)).status === "completed", 30_000);
  // Past the moment the late answer was sent: nothing more was written.
  await new Promise((r) => setTimeout(r, 3500));
  const job = await c.sys.db.job.findUniqueOrThrow({ where: { id }, include: { questions: true } });
  expect(job.status).toBe("completed");
  expect(job.questions).toHaveLength(4);
  expect(new Set(job.questions.map((q) => q.normalized)).size).toBe(4);
  expect(c.fake.calls.length - callsBefore).toBe(2);
  // Both calls charged to the job (the timed-out one spent the key's time, not its tokens).
  expect(job.providerCalls).toBe(2);
  expect(await recordedRequests(c.sys.db)).toBe(requestsBefore + 2);
  const usage = await c.sys.db.providerUsage.findFirstOrThrow();
  expect(usage.failures).toBeGreaterThanOrEqual(1);
  expect(await webhookEvents({ jobId: id })).toEqual(["job.completed"]);
  await eventually(async () => deliveredIds("/late").size === 1, 20_000);
}, 60_000);

test("in Postgres: transitions of an ended job add no usage, no count, no row", async () => {
  const db = c.sys.db;
  const batchId = newId();
  const request = { role: "Direct", difficulty: "easy" as const, question_count: 1 };
  const jobId = newId();
  await createBatch(db, { id: batchId, tenantId: "t-direct", jobs: [{ id: jobId, request }] });
  const usage = { providerCalls: 2, promptTokens: 30, completionTokens: 40 };
  const q = {
    question: "What is idempotency?",
    normalized: normalizeText("What is idempotency?"),
    category: "General",
    difficulty: "easy" as const,
    key_points: ["same effect"],
    source: "ai" as const,
    provider: "groq",
    model: "m",
    bank_role: null,
  };
  await markJobActive(db, jobId, 1);
  expect(await completeJob(db, jobId, [q], usage)).not.toBeNull();
  const snapshot = async () => ({
    job: await db.job.findUniqueOrThrow({ where: { id: jobId } }),
    batch: await db.batch.findUniqueOrThrow({ where: { id: batchId } }),
    rows: await db.question.count({ where: { jobId } }),
  });
  const after = await snapshot();
  // Every way a second run could touch it, concurrently.
  const results = await Promise.all([
    completeJob(db, jobId, [{ ...q, question: "Other?", normalized: "other" }], usage),
    markJobRetrying(db, jobId, usage),
    failJob(db, jobId, { code: "provider_errors", message: "late" }, usage),
    markJobActive(db, jobId, 2),
    completeJob(db, jobId, [q], usage),
  ]);
  expect(results).toEqual([null, null, null, null, null]);
  expect(await snapshot()).toEqual(after);
  expect(after.batch).toMatchObject({ completedCount: 1, providerCalls: 2, promptTokens: 30 });
});
