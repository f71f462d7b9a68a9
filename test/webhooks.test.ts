import { afterAll, beforeAll, expect, test } from "vitest";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { tenantIdFor } from "@qforge/api";
import { completeJob, createLoneJob, newId, WEBHOOK_SECRET_SETTING } from "@qforge/database";
import { GENERATE_JOB, generateJobOptions } from "@qforge/queues";
import { normalizeText } from "@qforge/schemas";
import { deriveTenantSecret } from "@qforge/webhooks";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { startReceiver, verifyHook, type Receiver } from "./helpers/receiver.ts";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { eventually, startSystem, type TestSystem } from "./helpers/system.ts";

// Webhooks end to end: the API and workers in-process, the fake provider, and a receiver on
// loopback (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true) that verifies every event with standardwebhooks.

const ALICE = "tenant-key-hooks-alice-01";
const BOB = "tenant-key-hooks-bob-0002";
let fake: FakeProvider;
let sys: TestSystem;
let receiver: Receiver;
let redis: Redis;
let aliceSecret: string;
let bobSecret: string;

beforeAll(async () => {
  fake = await startFakeProvider();
  receiver = await startReceiver();
  sys = await startSystem({
    API_KEYS: `${ALICE},${BOB}`,
    GROQ_API_KEY: "gsk_fake_webhooks_key_00000000000",
    GROQ_BASE_URL: fake.url,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
    JOB_ATTEMPTS: "1",
  });
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  aliceSecret = (await sys.call("/api/v1/webhook-secret", { key: ALICE })).body.secret;
  bobSecret = (await sys.call("/api/v1/webhook-secret", { key: BOB })).body.secret;
});
afterAll(async () => {
  redis?.disconnect();
  await sys?.close();
  await receiver?.close();
  await fake?.close();
});

const item = { role: "Backend Engineer", difficulty: "easy", question_count: 2 };
const settle = () => new Promise((r) => setTimeout(r, 1500));

test("each tenant has its own secret, derived from the master generated once and stored", async () => {
  expect(sys.config.webhookSecret).toBeUndefined();
  const stored = await sys.db.setting.findUnique({ where: { key: WEBHOOK_SECRET_SETTING } });
  expect(stored?.value).toMatch(/^whsec_/);
  expect(aliceSecret).toBe(deriveTenantSecret(stored!.value, tenantIdFor(ALICE)));
  expect(bobSecret).toBe(deriveTenantSecret(stored!.value, tenantIdFor(BOB)));
  expect(aliceSecret).not.toBe(bobSecret);
  expect((await sys.call("/api/v1/webhook-secret")).status).toBe(401);
});

test("a lone job's job.completed arrives once, signed with its tenant's secret only", async () => {
  const url = `${receiver.url}/lone`;
  const job = await sys.call("/api/v1/questions/generate?wait=20", {
    method: "POST",
    key: ALICE,
    body: { ...item, webhook_url: url },
  });
  expect(job.status).toBe(200);
  await eventually(async () => receiver.at("/lone").length > 0);
  await settle();
  const hooks = receiver.at("/lone");
  expect(hooks).toHaveLength(1);
  const body = verifyHook(aliceSecret, hooks[0]!);
  expect(() => verifyHook(bobSecret, hooks[0]!)).toThrow();
  expect(body.type).toBe("job.completed");
  expect(body.data).toEqual((await sys.call(`/api/v1/jobs/${job.body.id}`, { key: ALICE })).body);

  const log = await sys.call(`/api/v1/jobs/${job.body.id}/webhooks`, { key: ALICE });
  expect(log.status).toBe(200);
  expect(log.body.data).toEqual([
    {
      id: expect.any(String),
      event: "job.completed",
      webhook_id: hooks[0]!.headers["webhook-id"],
      url,
      status: "delivered",
      attempts: 1,
      last_status: 200,
      last_error: null,
      next_attempt_at: null,
      delivered_at: expect.any(String),
      created_at: expect.any(String),
    },
  ]);
  // The delivery log is the tenant's own.
  expect((await sys.call(`/api/v1/jobs/${job.body.id}/webhooks`, { key: BOB })).status).toBe(404);
});

test("a batch's batch.completed arrives once, with the final batch", async () => {
  const batch = await sys.call("/api/v1/batches", {
    method: "POST",
    key: ALICE,
    body: { items: [item, item, item], webhook_url: `${receiver.url}/batch` },
  });
  expect(batch.status).toBe(202);
  await eventually(async () => receiver.at("/batch").length > 0);
  await settle();
  const hooks = receiver.at("/batch");
  expect(hooks).toHaveLength(1);
  const body = verifyHook(aliceSecret, hooks[0]!);
  expect(body.type).toBe("batch.completed");
  expect(body.data).toMatchObject({
    id: batch.body.id,
    status: "completed",
    counts: { total: 3, completed: 3 },
  });
  expect(body.data).toEqual(
    (await sys.call(`/api/v1/batches/${batch.body.id}`, { key: ALICE })).body,
  );
  const log = await sys.call(`/api/v1/batches/${batch.body.id}/webhooks`, { key: ALICE });
  expect(log.body.data.map((d: { event: string; status: string }) => [d.event, d.status])).toEqual([
    ["batch.completed", "delivered"],
  ]);
  expect((await sys.call(`/api/v1/batches/${batch.body.id}/webhooks`, { key: BOB })).status).toBe(
    404,
  );
  expect((await sys.call(`/api/v1/batches/nope/webhooks`, { key: ALICE })).status).toBe(404);
});

test("after the receiver answers 500, the same event arrives again under the same webhook-id", async () => {
  receiver.script("/flaky", 500);
  const job = await sys.call("/api/v1/questions/generate", {
    method: "POST",
    key: ALICE,
    body: { ...item, webhook_url: `${receiver.url}/flaky` },
  });
  // The first attempt is logged as failed, with the next one due within 10 s.
  const pending = await eventually(async () => {
    const log = await sys.call(`/api/v1/jobs/${job.body.id}/webhooks`, { key: ALICE });
    const d = log.body.data[0];
    return d?.attempts === 1 ? d : undefined;
  });
  expect(pending).toMatchObject({ status: "pending", last_status: 500, last_error: "HTTP 500" });
  const due = Date.parse(pending.next_attempt_at) - Date.now();
  expect(due).toBeLessThanOrEqual(10_000);

  await eventually(async () => receiver.at("/flaky").length >= 2, 30_000);
  const [first, second] = receiver.at("/flaky");
  expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
  expect(second!.body).toBe(first!.body);
  expect(verifyHook(aliceSecret, second!).type).toBe("job.completed");
  expect(second!.at - first!.at).toBeGreaterThanOrEqual(4_000);
  const log = await eventually(async () => {
    const r = await sys.call(`/api/v1/jobs/${job.body.id}/webhooks`, { key: ALICE });
    return r.body.data[0]?.status === "delivered" ? r.body.data[0] : undefined;
  });
  expect(log).toMatchObject({ attempts: 2, last_status: 200, next_attempt_at: null });
  await settle();
  expect(receiver.at("/flaky")).toHaveLength(2);
}, 45_000);

test("a lone job that fails sends job.failed", async () => {
  fake.setRoleDefault("Doomed Role", { kind: "status", status: 500 });
  const job = await sys.call("/api/v1/questions/generate?wait=20", {
    method: "POST",
    key: BOB,
    body: { ...item, role: "Doomed Role", webhook_url: `${receiver.url}/failed` },
  });
  expect(job.body.status).toBe("failed");
  await eventually(async () => receiver.at("/failed").length > 0);
  const body = verifyHook(bobSecret, receiver.at("/failed")[0]!);
  expect(body).toMatchObject({
    type: "job.failed",
    data: { id: job.body.id, status: "failed", error: { code: "provider_errors" } },
  });
  expect(() => verifyHook(aliceSecret, receiver.at("/failed")[0]!)).toThrow();
});

test("a redirect is not followed: the attempt is logged as failed and retried later", async () => {
  receiver.script("/moved", { status: 302, location: `${receiver.url}/elsewhere` });
  const job = await sys.call("/api/v1/questions/generate", {
    method: "POST",
    key: ALICE,
    body: { ...item, webhook_url: `${receiver.url}/moved` },
  });
  const d = await eventually(async () => {
    const log = await sys.call(`/api/v1/jobs/${job.body.id}/webhooks`, { key: ALICE });
    return log.body.data[0]?.attempts >= 1 ? log.body.data[0] : undefined;
  });
  expect(d).toMatchObject({ last_status: 302, status: expect.any(String) });
  expect(d.last_error).toMatch(/redirect/);
  expect(receiver.at("/elsewhere")).toHaveLength(0);
});

test("a job that runs twice sends its event once", async () => {
  const job = await sys.call("/api/v1/questions/generate?wait=20", {
    method: "POST",
    key: ALICE,
    body: { ...item, webhook_url: `${receiver.url}/twice` },
  });
  expect(job.status).toBe(200);
  await eventually(async () => receiver.at("/twice").length > 0);
  // BullMQ delivers at least once: run the same job again under its id.
  const queue = new Queue("groq", { connection: redis, prefix: sys.config.queuePrefix });
  try {
    await queue.remove(job.body.id);
    await queue.add(
      GENERATE_JOB,
      { jobId: job.body.id },
      generateJobOptions({ jobId: job.body.id, lone: true, attempts: 1, backoffMs: 50 }),
    );
    await eventually(async () => (await queue.getJob(job.body.id))?.finishedOn);
  } finally {
    await queue.close();
  }
  await settle();
  expect(receiver.at("/twice")).toHaveLength(1);
  const log = await sys.call(`/api/v1/jobs/${job.body.id}/webhooks`, { key: ALICE });
  expect(log.body.data).toHaveLength(1);
});

test("housekeeping queues a delivery whose enqueue was lost", async () => {
  // A worker that crashed between the transition's commit and queueing its delivery.
  const id = newId();
  const tenant = tenantIdFor(ALICE);
  await createLoneJob(sys.db, {
    id,
    tenantId: tenant,
    request: { role: "Crashy", difficulty: "easy", question_count: 1 },
    webhookUrl: `${receiver.url}/orphan`,
  });
  const text = "What happens after a crash?";
  const done = await completeJob(sys.db, id, [
    {
      question: text,
      normalized: normalizeText(text),
      category: "General",
      difficulty: "easy",
      key_points: [],
      source: "ai",
      provider: "groq",
      model: "m",
      bank_role: null,
    },
  ]);
  expect(done?.webhookDeliveries).toHaveLength(1);
  await settle();
  expect(receiver.at("/orphan")).toHaveLength(0);

  expect(await sys.workers!.housekeeping.requeueUndelivered(0)).toBe(1);
  await eventually(async () => receiver.at("/orphan").length > 0);
  expect(verifyHook(aliceSecret, receiver.at("/orphan")[0]!).data.id).toBe(id);
  // Queued deliveries are left alone: a second pass queues nothing.
  expect(await sys.workers!.housekeeping.requeueUndelivered(0)).toBe(0);
});

test("no secret reaches the logs", () => {
  const text = sys.logs.text;
  for (const s of [aliceSecret, bobSecret, aliceSecret.slice(6), ALICE, BOB]) {
    expect(text).not.toContain(s);
  }
});
