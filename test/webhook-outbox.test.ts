import { afterAll, beforeAll, expect, test } from "vitest";
import {
  cancelBatch,
  cancelQueuedJob,
  completeJob,
  createBatch,
  createDatabase,
  createLoneJob,
  ensureSetting,
  failJob,
  getBatch,
  getJob,
  jobMayContinue,
  markJobActive,
  markJobCancelled,
  newId,
  retryFailedJobs,
  type Database,
} from "@qforge/database";
import { normalizeText } from "@qforge/schemas";
import { createTestDatabase } from "./helpers/services.ts";

// The webhook outbox in Postgres: an event row exists exactly when the state change that causes
// it committed, once per change, however often a job runs, and cancel/retry keep the batch's
// counters and events straight.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.url, { poolSize: 8 });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const TENANT = "t_outbox";
const HOOK = "https://hooks.example.com/qforge";
const request = { role: "QA Engineer", difficulty: "easy" as const, question_count: 1 };
const question = (text: string) => ({
  question: text,
  normalized: normalizeText(text),
  category: "Testing",
  difficulty: "easy" as const,
  key_points: ["a"],
  source: "ai" as const,
  provider: "groq",
  model: "m",
  bank_role: null,
});

const deliveries = (where: { jobId: string } | { batchId: string }) =>
  db.webhookDelivery.findMany({ where, orderBy: { createdAt: "asc" } });

async function newBatch(n: number, webhookUrl: string | undefined = HOOK) {
  const id = newId();
  const jobs = Array.from({ length: n }, () => ({ id: newId(), request }));
  await createBatch(db, { id, tenantId: TENANT, jobs, ...(webhookUrl ? { webhookUrl } : {}) });
  return { id, jobIds: jobs.map((j) => j.id) };
}

test("a lone job that completes twice gives one job.completed, with the job as the API shows it", async () => {
  const id = newId();
  await createLoneJob(db, { id, tenantId: TENANT, request, webhookUrl: HOOK });
  await markJobActive(db, id);
  const first = await completeJob(db, id, [question("What is a flaky test?")]);
  expect(first?.webhookDeliveries).toHaveLength(1);
  // The second run of the same job: nothing changes, no second event.
  expect(await markJobActive(db, id)).toBeNull();
  expect(await completeJob(db, id, [question("Other?")])).toBeNull();
  expect(await failJob(db, id, { code: "x", message: "y" })).toBeNull();

  const rows = await deliveries({ jobId: id });
  expect(rows).toHaveLength(1);
  const row = rows[0]!;
  expect(row).toMatchObject({
    id: first!.webhookDeliveries[0],
    tenantId: TENANT,
    event: "job.completed",
    url: HOOK,
    status: "pending",
    attempts: 0,
  });
  expect(row.webhookId).toMatch(/^msg_[0-9a-f]{32}$/);
  const body = JSON.parse(row.payload);
  expect(body.type).toBe("job.completed");
  expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
  expect(body.data).toEqual(await getJob(db, TENANT, id));
  expect(body.data.questions.map((q: { question: string }) => q.question)).toEqual([
    "What is a flaky test?",
  ]);
});

test("a lone job that fails gives job.failed; one without a webhook_url gives nothing", async () => {
  const failing = newId();
  await createLoneJob(db, { id: failing, tenantId: TENANT, request, webhookUrl: HOOK });
  const failed = await failJob(db, failing, { code: "provider_errors", message: "boom" });
  expect(failed?.webhookDeliveries).toHaveLength(1);
  const [row] = await deliveries({ jobId: failing });
  expect(row?.event).toBe("job.failed");
  expect(JSON.parse(row!.payload).data.error).toEqual({ code: "provider_errors", message: "boom" });

  const silent = newId();
  await createLoneJob(db, { id: silent, tenantId: TENANT, request });
  expect((await completeJob(db, silent, [question("Q?")]))?.webhookDeliveries).toEqual([]);
  expect(await deliveries({ jobId: silent })).toHaveLength(0);
});

test("a batch run twice over, all at once, gives exactly one batch.completed and no job events", async () => {
  // Kept small: each transition holds one of the pool's 8 connections, and a loaded machine
  // makes Prisma give up waiting for one (maxWait 2 s).
  const { id, jobIds } = await newBatch(12);
  await Promise.all(jobIds.map((j) => markJobActive(db, j)));
  const results = await Promise.all(
    [...jobIds, ...jobIds].map((j, i) =>
      i % 4 === 0
        ? failJob(db, j, { code: "provider_errors", message: "boom" })
        : completeJob(db, j, [question(`Q ${j}?`)]),
    ),
  );
  const created = results.flatMap((r) => r?.webhookDeliveries ?? []);
  expect(created).toHaveLength(1);
  const rows = await deliveries({ batchId: id });
  expect(rows.map((r) => [r.event, r.generation])).toEqual([["batch.completed", 0]]);
  expect(await db.webhookDelivery.count({ where: { jobId: { in: jobIds } } })).toBe(0);
  const body = JSON.parse(rows[0]!.payload);
  expect(body.data).toEqual(await getBatch(db, TENANT, id));
  expect(body.data.status).toBe("completed");
});

test("cancel: queued jobs at once, the active one when it stops, batch.cancelled once", async () => {
  const { id, jobIds } = await newBatch(4);
  const [active, done, ...queued] = jobIds as [string, string, ...string[]];
  await markJobActive(db, active);
  await markJobActive(db, done);
  await completeJob(db, done, [question("Done?")]);

  const result = await cancelBatch(db, TENANT, id);
  expect(result.outcome).toBe("cancelled");
  if (result.outcome !== "cancelled") return;
  expect(result.cancelledJobIds.sort()).toEqual([...queued].sort());
  expect(result.webhookDeliveries).toEqual([]); // a job is still active
  expect(result.batch.status).toBe("cancelled");
  expect(result.batch.completed_at).toBeNull();
  expect(result.batch.counts).toEqual({
    total: 4,
    queued: 0,
    active: 1,
    completed: 1,
    failed: 0,
    cancelled: 2,
  });
  // The active job's processor may make no further call; a queued job's never starts.
  expect(await jobMayContinue(db, active)).toBe(false);
  expect(await markJobActive(db, queued[0]!)).toBeNull();

  // Cancelling again changes nothing.
  const again = await cancelBatch(db, TENANT, id);
  expect(again.outcome === "cancelled" && again.webhookDeliveries).toEqual([]);

  const stopped = await markJobCancelled(db, active, {
    providerCalls: 1,
    promptTokens: 3,
    completionTokens: 4,
  });
  expect(stopped).toMatchObject({ status: "cancelled", batchEnded: true });
  expect(stopped?.webhookDeliveries).toHaveLength(1);
  const batch = await getBatch(db, TENANT, id);
  expect(batch).toMatchObject({
    status: "cancelled",
    counts: { total: 4, queued: 0, active: 0, completed: 1, failed: 0, cancelled: 3 },
    usage: { provider_calls: 1, prompt_tokens: 3, completion_tokens: 4 },
  });
  expect(batch?.completed_at).not.toBeNull();
  const rows = await deliveries({ batchId: id });
  expect(rows.map((r) => r.event)).toEqual(["batch.cancelled"]);
  expect(JSON.parse(rows[0]!.payload).data).toEqual(batch);

  // The stale run of the active job ends nothing more.
  expect(await completeJob(db, active, [question("Late?")])).toBeNull();
  expect(await deliveries({ batchId: id })).toHaveLength(1);
  // A cancelled batch is not retried.
  expect((await retryFailedJobs(db, TENANT, id)).outcome).toBe("cancelled");
});

test("a job that was queued when its batch got cancelled is cancelled when it is picked up", async () => {
  const { id, jobIds } = await newBatch(2, undefined);
  const [a, b] = jobIds as [string, string];
  await markJobActive(db, a);
  await cancelBatch(db, TENANT, id);
  // Simulates a job put back to queued by a retrying attempt after the cancel.
  await db.$executeRaw`UPDATE jobs SET status = 'queued' WHERE id = ${a}::uuid`;
  await db.$executeRaw`UPDATE batches SET active_count = 0, queued_count = 1 WHERE id = ${id}::uuid`;
  const picked = await markJobActive(db, a);
  expect(picked).toMatchObject({ status: "cancelled", batchEnded: true });
  expect((await getJob(db, TENANT, a))?.status).toBe("cancelled");
  expect((await getJob(db, TENANT, b))?.status).toBe("cancelled");
  expect((await getBatch(db, TENANT, id))?.counts).toMatchObject({ cancelled: 2, queued: 0 });
});

test("cancelling a completed batch changes nothing; a lone job cancels only while queued", async () => {
  const { id, jobIds } = await newBatch(1);
  await completeJob(db, jobIds[0]!, [question("Only?")]);
  expect((await cancelBatch(db, TENANT, id)).outcome).toBe("ended");
  expect((await cancelBatch(db, "t_other", id)).outcome).toBe("not_found");
  expect((await cancelBatch(db, TENANT, "not-a-uuid")).outcome).toBe("not_found");
  expect(await deliveries({ batchId: id })).toHaveLength(1);

  const lone = newId();
  await createLoneJob(db, { id: lone, tenantId: TENANT, request, webhookUrl: HOOK });
  expect((await cancelQueuedJob(db, "t_other", lone)).outcome).toBe("not_found");
  const cancelled = await cancelQueuedJob(db, TENANT, lone);
  expect(cancelled).toMatchObject({ outcome: "cancelled", changed: true });
  expect(await cancelQueuedJob(db, TENANT, lone)).toMatchObject({
    outcome: "cancelled",
    changed: false,
  });
  // No event for a cancelled lone job (the contract has job.completed and job.failed only).
  expect(await deliveries({ jobId: lone })).toHaveLength(0);

  const running = newId();
  await createLoneJob(db, { id: running, tenantId: TENANT, request });
  await markJobActive(db, running);
  expect(await cancelQueuedJob(db, TENANT, running)).toMatchObject({ outcome: "conflict" });
  expect((await getJob(db, TENANT, running))?.status).toBe("active");
});

test("retry re-queues the failed jobs; the batch completes again and fires a second event", async () => {
  const { id, jobIds } = await newBatch(3);
  const [ok, bad1, bad2] = jobIds as [string, string, string];
  await completeJob(db, ok, [question("Fine?")]);
  await markJobActive(db, bad1);
  await failJob(db, bad1, { code: "provider_errors", message: "boom" });
  await failJob(db, bad2, { code: "invalid_output", message: "junk" });
  expect((await getBatch(db, TENANT, id))?.status).toBe("completed");

  const retried = await retryFailedJobs(db, TENANT, id);
  expect(retried.outcome).toBe("retried");
  if (retried.outcome !== "retried") return;
  expect(retried.jobIds.sort()).toEqual([bad1, bad2].sort());
  expect(retried.batch).toMatchObject({
    status: "in_progress",
    completed_at: null,
    counts: { total: 3, queued: 2, active: 0, completed: 1, failed: 0, cancelled: 0 },
  });
  const job = await getJob(db, TENANT, bad1);
  expect(job).toMatchObject({ status: "queued", error: null, completed_at: null, attempts: 1 });

  // With nothing failed, a retry changes nothing.
  const noop = await retryFailedJobs(db, TENANT, id);
  expect(noop.outcome === "retried" && noop.jobIds).toEqual([]);

  await completeJob(db, bad1, [question("Now fine?")]);
  await completeJob(db, bad2, [question("Also fine?")]);
  const batch = await getBatch(db, TENANT, id);
  expect(batch).toMatchObject({ status: "completed", counts: { completed: 3, failed: 0 } });
  const rows = await deliveries({ batchId: id });
  expect(rows.map((r) => [r.event, r.generation])).toEqual([
    ["batch.completed", 0],
    ["batch.completed", 1],
  ]);
  expect(new Set(rows.map((r) => r.webhookId)).size).toBe(2);
});

test("concurrent first starts agree on one generated setting", async () => {
  const values = await Promise.all(
    Array.from({ length: 8 }, (_, i) => ensureSetting(db, "test_setting", `candidate-${i}`)),
  );
  expect(new Set(values).size).toBe(1);
  expect(await ensureSetting(db, "test_setting", "late")).toBe(values[0]);
});
