import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { generateJobOptions, loneJobToHeadWhenDue } from "@qforge/queues";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { TEST_REDIS_URL, uniqueName } from "./helpers/services.ts";
import { eventually, startSystem, type TestSystem } from "./helpers/system.ts";

// Lone jobs (someone is waiting) run ahead of batch items already queued.

let fake: FakeProvider;
let sys: TestSystem;

beforeAll(async () => {
  fake = await startFakeProvider();
  sys = await startSystem({
    GROQ_API_KEY: "gsk_fake_priority_key_0000000000000",
    GROQ_BASE_URL: fake.url,
    WORKER_CONCURRENCY: "1",
  });
});
afterAll(async () => {
  await sys?.close();
  await fake?.close();
});

test("a lone job submitted after a batch is served before the batch's queued items", async () => {
  const workers = sys.workers!.workers;
  await Promise.all(workers.map((w) => w.pause()));
  const items = Array.from({ length: 6 }, (_, i) => ({
    role: `Batch Role ${i}`,
    difficulty: "easy",
    question_count: 1,
  }));
  const batch = await sys.call("/api/v1/batches", { method: "POST", body: { items } });
  const lone = await sys.call("/api/v1/questions/generate", {
    method: "POST",
    body: { role: "Lone Role", difficulty: "easy", question_count: 1 },
  });
  expect(lone.status).toBe(202);
  workers.forEach((w) => w.resume());

  await eventually(async () => {
    const r = await sys.call(`/api/v1/batches/${batch.body.id}`);
    return r.body.status === "completed";
  });
  const roles = fake.calls.map((c) => /Role: (.*)/.exec(c.messages.at(-1)!.content)?.[1]);
  expect(roles[0]).toBe("Lone Role");
  expect(roles).toHaveLength(7);
});

test("a lone job back from a delay (a retry's backoff) goes to the head of the queue, not its tail", async () => {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = uniqueName("qf_prio");
  const queue = new Queue("groq", { connection, prefix });
  const options = (jobId: string, lone: boolean) =>
    generateJobOptions({ jobId, lone, attempts: 1, backoffMs: 1000 });
  try {
    // No worker: the list is as BullMQ left it. Workers take from its right end (the head).
    const waiting = () => connection.lrange(`${prefix}:groq:wait`, 0, -1);
    for (const id of ["b1", "b2", "b3"]) await queue.add("generate", {}, options(id, false));
    await queue.add("generate", {}, options("lone-now", true));
    expect(await waiting()).toEqual(["b3", "b2", "b1", "lone-now"]);

    const moved = await queue.add("generate", {}, { ...options("lone-moved", true), delay: 200 });
    await queue.add("generate", {}, { ...options("lone-left", true), delay: 200 });
    loneJobToHeadWhenDue(moved, 200);
    await eventually(async () => ((await waiting()).includes("lone-moved") ? true : undefined));
    // Promoted as BullMQ does it, the other one joins the tail, behind every batch item.
    await queue.promoteJobs();
    expect(await waiting()).toEqual(["lone-left", "b3", "b2", "b1", "lone-now", "lone-moved"]);
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    connection.disconnect();
  }
});
