import { afterAll, beforeAll, expect, test } from "vitest";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
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
