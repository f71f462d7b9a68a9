import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { startReceiver, verifyHook, type Receiver } from "./helpers/receiver.ts";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { eventually, startSystem, type TestSystem } from "./helpers/system.ts";

// Cancel and retry through the API, with workers running against the fake provider: a cancel
// stops provider calls (the call in flight ends, no further call is made), the batch ends
// cancelled and says so once; retry runs a batch's failed jobs again.

const KEY = "tenant-key-cancel-000001";
const OTHER = "tenant-key-cancel-other-2";
let fake: FakeProvider;
let receiver: Receiver;
let sys: TestSystem;
let secret: string;

beforeAll(async () => {
  fake = await startFakeProvider();
  receiver = await startReceiver();
  sys = await startSystem({
    API_KEYS: `${KEY},${OTHER}`,
    GROQ_API_KEY: "gsk_fake_cancel_key_000000000000000",
    GROQ_BASE_URL: fake.url,
    WORKER_CONCURRENCY: "2",
    QUESTIONS_PER_CALL: "2",
    JOB_ATTEMPTS: "1",
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
  });
  secret = (await sys.call("/api/v1/webhook-secret", { key: KEY })).body.secret;
});
afterAll(async () => {
  await sys?.close();
  await receiver?.close();
  await fake?.close();
});

const batchOf = async (key: string) =>
  (await sys.call(`/api/v1/batches/${key}`, { key: KEY })).body;
const callsFor = (role: string) =>
  fake.calls.filter((c) => c.messages.some((m) => m.content.includes(`Role: ${role}`))).length;

test("cancel: queued jobs at once, active ones stop after the call in flight, one batch.cancelled", async () => {
  const role = "Slow Cancel Role";
  fake.setRoleDefault(role, { kind: "questions", latencyMs: 400 });
  // 10 questions at 2 per call: 5 calls (≥ 2 s) per job; 2 jobs run at a time.
  const item = { role, difficulty: "medium", question_count: 10 };
  const created = await sys.call("/api/v1/batches", {
    method: "POST",
    key: KEY,
    body: { items: Array.from({ length: 6 }, () => item), webhook_url: `${receiver.url}/cancel` },
  });
  expect(created.status).toBe(202);
  const id = created.body.id;
  await eventually(async () => callsFor(role) >= 2 && (await batchOf(id)).counts.active === 2);

  const cancelled = await sys.call(`/api/v1/batches/${id}/cancel`, { method: "POST", key: KEY });
  const callsAtCancel = callsFor(role);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.status).toBe("cancelled");
  expect(cancelled.body.counts).toMatchObject({ total: 6, queued: 0, active: 2, cancelled: 4 });

  const ended = await eventually(async () => {
    const b = await batchOf(id);
    return b.completed_at ? b : undefined;
  });
  expect(ended).toMatchObject({
    status: "cancelled",
    counts: { total: 6, queued: 0, active: 0, completed: 0, failed: 0, cancelled: 6 },
  });
  // Each of the two active jobs may finish the one call it had in flight; nothing more.
  expect(callsFor(role) - callsAtCancel).toBeLessThanOrEqual(2);
  expect(callsFor(role)).toBeLessThan(6 * 5);
  expect(ended.usage.provider_calls).toBe(callsFor(role));
  const callsAfterEnd = callsFor(role);
  await new Promise((r) => setTimeout(r, 1000));
  expect(callsFor(role)).toBe(callsAfterEnd);

  const jobs = (await sys.call(`/api/v1/batches/${id}/jobs`, { key: KEY })).body.data;
  expect(jobs.map((j: { status: string }) => j.status)).toEqual(Array(6).fill("cancelled"));
  // A cancelled job keeps no questions, even those of the calls it made.
  expect(jobs.every((j: { questions: unknown[] }) => j.questions.length === 0)).toBe(true);

  await eventually(async () => receiver.at("/cancel").length > 0);
  await new Promise((r) => setTimeout(r, 1000));
  const hooks = receiver.at("/cancel");
  expect(hooks).toHaveLength(1);
  const body = verifyHook(secret, hooks[0]!);
  expect(body.type).toBe("batch.cancelled");
  expect(body.data).toEqual(await batchOf(id));

  // Cancelling again answers the batch unchanged and fires nothing; a cancelled batch is not
  // retried.
  const again = await sys.call(`/api/v1/batches/${id}/cancel`, { method: "POST", key: KEY });
  expect(again.status).toBe(200);
  expect(again.body).toEqual(await batchOf(id));
  const retry = await sys.call(`/api/v1/batches/${id}/retry`, { method: "POST", key: KEY });
  expect(retry.status).toBe(409);
  expect(retry.headers.get("content-type")).toMatch(/problem\+json/);
  expect((await sys.call(`/api/v1/batches/${id}/webhooks`, { key: KEY })).body.data).toHaveLength(
    1,
  );
});

test("a completed batch or job cannot be cancelled; others' ids are 404", async () => {
  const job = await sys.call("/api/v1/questions/generate?wait=20", {
    method: "POST",
    key: KEY,
    body: { role: "Quick Role", difficulty: "easy", question_count: 1 },
  });
  expect(job.body.status).toBe("completed");
  const jobCancel = await sys.call(`/api/v1/jobs/${job.body.id}/cancel`, {
    method: "POST",
    key: KEY,
  });
  expect(jobCancel.status).toBe(409);
  expect(jobCancel.body.detail).toMatch(/completed/);

  const batch = await sys.call("/api/v1/batches", {
    method: "POST",
    key: KEY,
    body: { items: [{ role: "Quick Role", difficulty: "easy", question_count: 1 }] },
  });
  await eventually(async () => (await batchOf(batch.body.id)).status === "completed");
  const res = await sys.call(`/api/v1/batches/${batch.body.id}/cancel`, {
    method: "POST",
    key: KEY,
  });
  expect(res.status).toBe(409);
  expect((await batchOf(batch.body.id)).status).toBe("completed");

  for (const path of [
    `/api/v1/batches/${batch.body.id}/cancel`,
    `/api/v1/batches/${batch.body.id}/retry`,
    `/api/v1/jobs/${job.body.id}/cancel`,
    `/api/v1/batches/not-an-id/cancel`,
    `/api/v1/jobs/not-an-id/cancel`,
    `/api/v1/batches/not-an-id/retry`,
  ]) {
    const r = await sys.call(path, { method: "POST", key: OTHER });
    expect(r.status, path).toBe(404);
  }
});

test("retry re-queues a batch's failed jobs; they complete and the batch completes again", async () => {
  const flaky = "Flaky Retry Role";
  fake.setRoleDefault(flaky, { kind: "status", status: 500 });
  const good = { role: "Steady Role", difficulty: "easy", question_count: 2 };
  const created = await sys.call("/api/v1/batches", {
    method: "POST",
    key: KEY,
    body: {
      items: [good, { ...good, role: flaky }, good, { ...good, role: flaky }],
      webhook_url: `${receiver.url}/retry`,
    },
  });
  const id = created.body.id;
  const first = await eventually(async () => {
    const b = await batchOf(id);
    return b.status === "completed" ? b : undefined;
  });
  expect(first.counts).toMatchObject({ completed: 2, failed: 2 });

  fake.setRoleDefault(flaky, { kind: "questions" });
  const retried = await sys.call(`/api/v1/batches/${id}/retry`, { method: "POST", key: KEY });
  expect(retried.status).toBe(200);
  expect(retried.body).toMatchObject({
    status: "in_progress",
    completed_at: null,
    counts: { total: 4, failed: 0, completed: 2 },
  });
  expect(retried.body.counts.queued + retried.body.counts.active).toBe(2);

  const done = await eventually(async () => {
    const b = await batchOf(id);
    return b.status === "completed" ? b : undefined;
  });
  expect(done.counts).toMatchObject({ total: 4, completed: 4, failed: 0, queued: 0, active: 0 });
  const jobs = (await sys.call(`/api/v1/batches/${id}/jobs`, { key: KEY })).body.data;
  for (const j of jobs) {
    expect(j.status).toBe("completed");
    expect(j.questions).toHaveLength(2);
    expect(j.error).toBeNull();
  }
  // The retried jobs' attempts keep counting: one that failed, one that worked.
  expect(jobs.filter((j: { request: { role: string } }) => j.request.role === flaky)).toEqual([
    expect.objectContaining({ attempts: 2 }),
    expect.objectContaining({ attempts: 2 }),
  ]);

  // Each end of the batch is its own event, under its own webhook-id.
  await eventually(async () => receiver.at("/retry").length >= 2);
  const hooks = receiver
    .at("/retry")
    .map((h) => ({ id: h.headers["webhook-id"], body: verifyHook(secret, h) }));
  expect(hooks.map((h) => [h.body.type, h.body.data.counts.failed])).toEqual([
    ["batch.completed", 2],
    ["batch.completed", 0],
  ]);
  expect(hooks[0]!.id).not.toBe(hooks[1]!.id);

  // Nothing failed any more: a retry changes nothing.
  const noop = await sys.call(`/api/v1/batches/${id}/retry`, { method: "POST", key: KEY });
  expect(noop.status).toBe(200);
  expect(noop.body).toEqual(await batchOf(id));
});

describe("with no worker running (jobs stay queued)", () => {
  let idle: TestSystem;
  let redis: Redis;
  beforeAll(async () => {
    idle = await startSystem(
      { API_KEYS: KEY, WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true" },
      { workers: false },
    );
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    redis?.disconnect();
    await idle?.close();
  });

  test("a queued lone job is cancelled and leaves the queue", async () => {
    const job = await idle.call("/api/v1/questions/generate", {
      method: "POST",
      key: KEY,
      body: { role: "Waiting Role", difficulty: "easy", question_count: 1 },
    });
    const queue = new Queue("groq", { connection: redis, prefix: idle.config.queuePrefix });
    try {
      expect(await queue.getJob(job.body.id)).toBeDefined();
      const res = await idle.call(`/api/v1/jobs/${job.body.id}/cancel`, {
        method: "POST",
        key: KEY,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: job.body.id, status: "cancelled" });
      expect(res.body.completed_at).not.toBeNull();
      await eventually(async () => (await queue.getJob(job.body.id)) === undefined);
      // Again: the job as it is.
      const again = await idle.call(`/api/v1/jobs/${job.body.id}/cancel`, {
        method: "POST",
        key: KEY,
      });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(res.body);
    } finally {
      await queue.close();
    }
  });

  test("a batch with nothing running ends cancelled at once; its event is logged", async () => {
    const created = await idle.call("/api/v1/batches", {
      method: "POST",
      key: KEY,
      body: {
        items: Array.from({ length: 5 }, () => ({
          role: "Waiting Role",
          difficulty: "easy",
          question_count: 1,
        })),
        webhook_url: "http://127.0.0.1:9/never",
      },
    });
    const res = await idle.call(`/api/v1/batches/${created.body.id}/cancel`, {
      method: "POST",
      key: KEY,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "cancelled",
      counts: { total: 5, queued: 0, cancelled: 5 },
    });
    expect(res.body.completed_at).not.toBeNull();
    const log = await idle.call(`/api/v1/batches/${created.body.id}/webhooks`, { key: KEY });
    expect(log.body.data).toEqual([
      expect.objectContaining({ event: "batch.cancelled", status: "pending", attempts: 0 }),
    ]);
  });
});
