import { afterAll, beforeAll, expect, test } from "vitest";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { GENERATE_JOB, generateJobOptions } from "@qforge/queues";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { eventually, startSystem, type TestSystem } from "./helpers/system.ts";

// A job that owes no webhook makes its first call before its start is written (the processor's
// deferred start): a quick call has its start written with its end, a slow one shows its job
// active while it runs, each request is counted once either way, and the queue entry of a job
// whose batch was cancelled makes no call even when it is picked up after the cancel.

const KEY = "tenant-key-deferred-0001";
let fake: FakeProvider;
let sys: TestSystem;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  fake = await startFakeProvider();
  sys = await startSystem({
    API_KEYS: KEY,
    GROQ_API_KEY: "gsk_fake_deferred_key_0000000000000",
    GROQ_BASE_URL: fake.url,
    WORKER_CONCURRENCY: "2",
    QUESTIONS_PER_CALL: "5",
  });
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue("groq", { prefix: sys.config.queuePrefix, connection: redis });
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await sys?.close();
  await fake?.close();
});

const callsFor = (role: string) =>
  fake.calls.filter((c) => c.messages.some((m) => m.content.includes(`Role: ${role}`))).length;
const requestsRecorded = async () =>
  (await sys.db.providerUsage.findMany()).reduce((n, r) => n + r.requests, 0);
const jobOf = async (id: string) => (await sys.call(`/api/v1/jobs/${id}`, { key: KEY })).body;

test("quick calls: every job completes with its start on record and each request counted once", async () => {
  const role = "Deferred Quick Role";
  const requestsBefore = await requestsRecorded();
  const created = await sys.call("/api/v1/batches", {
    method: "POST",
    key: KEY,
    body: {
      items: Array.from({ length: 8 }, () => ({
        role,
        difficulty: "easy",
        question_count: 3,
        fresh: true,
      })),
    },
  });
  expect(created.status).toBe(202);
  const batch = await eventually(async () => {
    const b = (await sys.call(`/api/v1/batches/${created.body.id}`, { key: KEY })).body;
    return b.status === "completed" ? b : undefined;
  });
  expect(batch.counts).toMatchObject({ total: 8, completed: 8, queued: 0, active: 0 });
  const jobs = (await sys.call(`/api/v1/batches/${created.body.id}/jobs`, { key: KEY })).body.data;
  for (const job of jobs) {
    expect(job).toMatchObject({ status: "completed", attempts: 1 });
    expect(job.questions).toHaveLength(3);
    expect(job.started_at).not.toBeNull();
    expect(Date.parse(job.started_at)).toBeLessThanOrEqual(Date.parse(job.completed_at));
  }
  expect(callsFor(role)).toBe(8);
  expect(batch.usage.provider_calls).toBe(8);
  expect((await requestsRecorded()) - requestsBefore).toBe(8);
});

test("a slow call: its job shows active while the call runs; the request is counted once", async () => {
  const role = "Deferred Slow Role";
  fake.setRoleDefault(role, { kind: "questions", latencyMs: 1500 });
  const requestsBefore = await requestsRecorded();
  const res = await sys.call("/api/v1/questions/generate", {
    method: "POST",
    key: KEY,
    body: { role, difficulty: "medium", question_count: 2, fresh: true },
  });
  expect(res.status).toBe(202);
  const running = await eventually(async () => {
    const job = await jobOf(res.body.id);
    return job.status === "active" ? job : undefined;
  });
  expect(running.started_at).not.toBeNull();
  expect(running.attempts).toBe(1);
  // Counted with the start, while the call is still in flight.
  expect(callsFor(role)).toBe(1);
  expect((await requestsRecorded()) - requestsBefore).toBe(1);
  const done = await eventually(async () => {
    const job = await jobOf(res.body.id);
    return job.status === "completed" ? job : undefined;
  });
  expect(done).toMatchObject({ attempts: 1, started_at: running.started_at });
  expect((await requestsRecorded()) - requestsBefore).toBe(1);
});

test("a job of two calls, the first quick: both requests counted once, the job charged for both", async () => {
  const role = "Deferred Two Calls Role";
  const requestsBefore = await requestsRecorded();
  const res = await sys.call("/api/v1/questions/generate?wait=20", {
    method: "POST",
    key: KEY,
    // QUESTIONS_PER_CALL is 5: 8 questions take two calls.
    body: { role, difficulty: "easy", question_count: 8, fresh: true },
  });
  expect(res.body).toMatchObject({ status: "completed", attempts: 1 });
  expect(res.body.questions).toHaveLength(8);
  expect(res.body.started_at).not.toBeNull();
  expect(callsFor(role)).toBe(2);
  expect((await requestsRecorded()) - requestsBefore).toBe(2);
  const row = await sys.db.job.findUniqueOrThrow({ where: { id: res.body.id } });
  expect(row.providerCalls).toBe(2);
});

test("a first call that fails at once: the job starts then, and every request counts once", async () => {
  const role = "Deferred Failing Role";
  const requestsBefore = await requestsRecorded();
  const failuresBefore = (await sys.db.providerUsage.findMany()).reduce(
    (n, r) => n + r.failures,
    0,
  );
  fake.script("gsk_fake_deferred_key_0000000000000", { kind: "status", status: 500 });
  const res = await sys.call("/api/v1/questions/generate?wait=20", {
    method: "POST",
    key: KEY,
    body: { role, difficulty: "medium", question_count: 2, fresh: true },
  });
  // The only key failed this attempt; the next attempt (after the backoff) succeeds.
  expect(res.body).toMatchObject({ status: "completed", attempts: 2 });
  expect(callsFor(role)).toBe(2);
  expect((await requestsRecorded()) - requestsBefore).toBe(2);
  const failures = (await sys.db.providerUsage.findMany()).reduce((n, r) => n + r.failures, 0);
  expect(failures - failuresBefore).toBe(1);
  const row = await sys.db.job.findUniqueOrThrow({ where: { id: res.body.id } });
  expect(row.providerCalls).toBe(2);
});

test("an entry of a cancelled batch picked up after the cancel makes no call", async () => {
  const role = "Deferred Cancel Role";
  fake.setRoleDefault(role, { kind: "questions", latencyMs: 1000 });
  const created = await sys.call("/api/v1/batches", {
    method: "POST",
    key: KEY,
    body: {
      items: Array.from({ length: 4 }, () => ({
        role,
        difficulty: "hard",
        question_count: 2,
        fresh: true,
      })),
    },
  });
  const batchId = created.body.id;
  await eventually(async () => callsFor(role) >= 2);
  const cancelled = await sys.call(`/api/v1/batches/${batchId}/cancel`, {
    method: "POST",
    key: KEY,
  });
  expect(cancelled.body.status).toBe("cancelled");
  const queuedThen = await sys.db.job.findMany({ where: { batchId, status: "cancelled" } });
  expect(queuedThen.length).toBeGreaterThanOrEqual(1);
  // The two calls in flight end; nothing else runs.
  await eventually(async () => {
    const b = (await sys.call(`/api/v1/batches/${batchId}`, { key: KEY })).body;
    return b.counts.active === 0;
  });
  const callsAfterCancel = callsFor(role);

  // As if the cancel's removal of queue entries had missed them: first deliveries of jobs whose
  // rows say cancelled. Without the cancel mark, each would make its call before its start.
  const late = queuedThen.map((j) => ({
    name: GENERATE_JOB,
    data: {
      jobId: j.id,
      snapshot: { tenantId: j.tenantId, request: j.request, webhooks: false, batchId },
    },
    opts: generateJobOptions({ jobId: `${j.id}-late`, lone: false, attempts: 1, backoffMs: 50 }),
  }));
  await queue.addBulk(late);
  const saidNothingToDo = (jobId: string) =>
    sys.logs.lines
      .map((line) => JSON.parse(line) as { jobId?: string; msg?: string })
      .some(
        (l) => l.jobId === jobId && l.msg === "job already ended, cancelled or gone; nothing to do",
      );
  await eventually(async () => late.every((l) => saidNothingToDo(l.data.jobId)));
  expect(callsFor(role)).toBe(callsAfterCancel);
  const after = await sys.db.job.findMany({ where: { id: { in: queuedThen.map((j) => j.id) } } });
  expect(after.every((j) => j.status === "cancelled" && j.providerCalls === 0)).toBe(true);
});
