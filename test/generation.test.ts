import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { tenantIdFor } from "@qforge/api";
import { createLoneJob, newId } from "@qforge/database";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { expectGuarantees, type Q } from "./helpers/guarantees.ts";
import { eventually, startSystem, type TestSystem } from "./helpers/system.ts";

// One job, and batches, through the whole system: HTTP → BullMQ → worker → real SDK → fake
// provider over HTTP → parser → Prisma → Postgres → HTTP.

const CLIENT = "client-key-generation-1";
const GROQ_KEYS = [
  "gsk_fake_generation_key_one_0000000000",
  "gsk_fake_generation_key_two_0000000000",
];
const HF_TOKEN = "hf_fake_generation_token_000000000000000";

describe("through groq-sdk", () => {
  let fake: FakeProvider;
  let sys: TestSystem;

  beforeAll(async () => {
    fake = await startFakeProvider();
    sys = await startSystem({
      API_KEYS: CLIENT,
      GROQ_API_KEYS: GROQ_KEYS.join(","),
      GROQ_BASE_URL: fake.url,
      GROQ_MODEL: "fake-llama",
      QUESTIONS_PER_CALL: "4",
      JOB_ATTEMPTS: "3",
    });
  });
  afterAll(async () => {
    await sys?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  const generate = (body: object, wait = 20) =>
    sys.call(`/api/v1/questions/generate?wait=${wait}`, { method: "POST", key: CLIENT, body });

  test("a lone job with ?wait= ends completed, its questions stored and read back", async () => {
    const res = await generate({
      role: "Backend Engineer",
      difficulty: "medium",
      question_count: 10,
      categories: ["Databases", "APIs"],
    });
    expect(res.status).toBe(200);
    expectGuarantees(res.body);
    expect(res.body).toMatchObject({ batch_id: null, index: 0, attempts: 1, error: null });
    expect(res.body.started_at).toEqual(expect.any(String));
    expect(res.body.completed_at).toEqual(expect.any(String));
    for (const q of res.body.questions) {
      expect(q).toMatchObject({
        source: "ai",
        provider: "groq",
        model: "fake-llama",
        bank_role: null,
      });
    }

    // 10 questions at 4 per call: 3 calls through one of the keys, with the prompt's fields.
    expect(fake.calls).toHaveLength(3);
    // Every call goes to the best key at that moment, so one job may use several.
    for (const call of fake.calls) expect(GROQ_KEYS).toContain(call.key);
    expect(fake.calls.map((c) => c.path)).toEqual(Array(3).fill("/openai/v1/chat/completions"));
    const prompt = fake.calls[0]!.messages.at(-1)!.content;
    expect(prompt).toContain("Role: Backend Engineer");
    expect(prompt).toContain('Categories: ["Databases","APIs"]');
    expect((fake.calls[0]!.body as any).response_format).toEqual({ type: "json_object" });

    const stored = await sys.db.question.findMany({ where: { jobId: res.body.id } });
    expect(stored).toHaveLength(10);
    const read = await sys.call(`/api/v1/jobs/${res.body.id}`, { key: CLIENT });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);

    const usage = await sys.db.providerUsage.findMany({ where: { provider: "groq" } });
    expect(usage.reduce((n, u) => n + u.requests, 0)).toBe(3);
    expect(
      usage.every((u) => u.tokens === u.promptTokens + u.completionTokens && u.tokens > 0),
    ).toBe(true);
  });

  test("without ?wait: 202 queued with Location, then completed", async () => {
    const res = await generate({ role: "QA Engineer", difficulty: "easy", question_count: 2 }, 0);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe("queued");
    expect(res.headers.get("location")).toBe(`/api/v1/jobs/${res.body.id}`);
    const done = await eventually(async () => {
      const r = await sys.call(`/api/v1/jobs/${res.body.id}`, { key: CLIENT });
      return r.body.status === "completed" ? r.body : undefined;
    });
    expectGuarantees(done);
  });

  test.each([
    [
      "too few (topped up)",
      [
        { kind: "questions", count: 1 },
        { kind: "questions", count: 1 },
      ],
      3,
      3,
    ],
    ["too many (cut)", [{ kind: "questions", count: 9 }], 3, 1],
    ["duplicated (deduped, topped up)", [{ kind: "questions", count: 4, duplicates: 2 }], 4, 2],
    ["fenced", [{ kind: "questions", wrap: "fence" }], 3, 1],
    ["wrapped in prose", [{ kind: "questions", wrap: "prose" }], 3, 1],
    [
      "off-category and invalid entries",
      [{ kind: "questions", count: 4, extraCategory: 1, invalidEntries: 1 }],
      4,
      2,
    ],
    ["no JSON at first", [{ kind: "raw", content: "I'd be glad to help! What role?" }], 3, 2],
  ] as const)(
    "a model that answers %s still yields exactly the questions asked",
    async (_n, script, count, calls) => {
      fake.script("*", ...script);
      // fresh: these cases are about the model's answers, not the cache.
      const res = await generate({
        role: "Data Engineer",
        difficulty: "hard",
        question_count: count,
        categories: ["Pipelines", "SQL"],
        fresh: true,
      });
      expect(res.status).toBe(200);
      expectGuarantees(res.body);
      expect(fake.calls).toHaveLength(calls);
    },
  );

  test("a category may contain a comma", async () => {
    const res = await generate({
      role: "Product Manager",
      difficulty: "easy",
      question_count: 4,
      categories: ["Sales, Marketing", "Ops"],
    });
    expect(res.status).toBe(200);
    expectGuarantees(res.body);
    expect(fake.calls).toHaveLength(1);
  });

  test("the model's difficulty label is not trusted", async () => {
    fake.script("*", { kind: "questions", difficulty: "easy" });
    const res = await generate({ role: "SRE", difficulty: "hard", question_count: 3 });
    expect(res.body.questions.map((q: Q) => q.difficulty)).toEqual(["hard", "hard", "hard"]);
  });

  test("a batch of mixed requests completes with exact counts", async () => {
    const items = [
      { role: "Frontend Engineer", difficulty: "easy", question_count: 1 },
      {
        role: "Backend Engineer",
        difficulty: "medium",
        question_count: 5,
        categories: ["Caching"],
      },
      {
        role: "Data Scientist",
        difficulty: "hard",
        question_count: 9,
        categories: ["Statistics", "ML", "SQL"],
      },
      { role: "Product Manager", difficulty: "medium", question_count: 4, fresh: true },
      { role: "Mobile Developer", difficulty: "easy", question_count: 2, categories: ["iOS"] },
    ];
    const created = await sys.call("/api/v1/batches", {
      method: "POST",
      key: CLIENT,
      body: { items, metadata: { team: "platform" } },
    });
    expect(created.status).toBe(202);
    expect(created.headers.get("location")).toBe(`/api/v1/batches/${created.body.id}`);
    expect(created.body).toMatchObject({
      status: "queued",
      counts: { total: 5, queued: 5, active: 0, completed: 0, failed: 0, cancelled: 0 },
      metadata: { team: "platform" },
      webhook_url: null,
      completed_at: null,
    });

    const batch = await eventually(async () => {
      const r = await sys.call(`/api/v1/batches/${created.body.id}`, { key: CLIENT });
      return r.body.status === "completed" ? r.body : undefined;
    });
    expect(batch.counts).toEqual({
      total: 5,
      queued: 0,
      active: 0,
      completed: 5,
      failed: 0,
      cancelled: 0,
    });
    expect(batch.completed_at).toEqual(expect.any(String));
    expect(batch.usage.provider_calls).toBe(fake.calls.length);
    expect(batch.usage.prompt_tokens).toBeGreaterThan(0);

    const jobs = await sys.call(`/api/v1/batches/${created.body.id}/jobs?limit=2`, { key: CLIENT });
    expect(jobs.body.data.map((j: any) => j.index)).toEqual([0, 1]);
    const all: any[] = [...jobs.body.data];
    let cursor = jobs.body.next_cursor;
    while (cursor) {
      const page = await sys.call(
        `/api/v1/batches/${created.body.id}/jobs?limit=2&cursor=${cursor}`,
        { key: CLIENT },
      );
      all.push(...page.body.data);
      cursor = page.body.next_cursor;
    }
    expect(all.map((j) => j.index)).toEqual([0, 1, 2, 3, 4]);
    all.forEach((job, i) => {
      expect(job.batch_id).toBe(created.body.id);
      expect(job.request).toEqual(items[i]);
      expectGuarantees(job);
    });
    const completedOnly = await sys.call(`/api/v1/batches/${created.body.id}/jobs?status=failed`, {
      key: CLIENT,
    });
    expect(completedOnly.body).toEqual({ data: [], next_cursor: null });
  });

  test("a job whose provider keeps failing ends failed after its attempts; its batch completes", async () => {
    fake.setRoleDefault("Doomed Role", { kind: "status", status: 500 });
    const failuresBefore = await sys.db.providerUsage.aggregate({ _sum: { failures: true } });
    const created = await sys.call("/api/v1/batches", {
      method: "POST",
      key: CLIENT,
      body: {
        items: [
          { role: "Good Role", difficulty: "easy", question_count: 2 },
          { role: "Doomed Role", difficulty: "easy", question_count: 2 },
          { role: "Other Good Role", difficulty: "easy", question_count: 2 },
        ],
      },
    });
    const batch = await eventually(async () => {
      const r = await sys.call(`/api/v1/batches/${created.body.id}`, { key: CLIENT });
      return r.body.status === "completed" ? r.body : undefined;
    });
    expect(batch.counts).toMatchObject({ total: 3, completed: 2, failed: 1, queued: 0, active: 0 });
    const failed = await sys.call(`/api/v1/batches/${created.body.id}/jobs?status=failed`, {
      key: CLIENT,
    });
    expect(failed.body.data).toHaveLength(1);
    const job = failed.body.data[0];
    expect(job).toMatchObject({ index: 1, status: "failed", attempts: 3, questions: [] });
    expect(job.error.code).toBe("provider_errors");
    expect(job.error.message).toMatch(/groq: groq#\d: HTTP 500 .*after 3 attempts/);
    // Each attempt tries every key once (a failed key is not asked again in that attempt).
    expect(
      fake.calls.filter((c) => c.messages.at(-1)!.content.includes("Doomed Role")),
    ).toHaveLength(3 * GROQ_KEYS.length);
    const failures = await sys.db.providerUsage.aggregate({ _sum: { failures: true } });
    expect((failures._sum.failures ?? 0) - (failuresBefore._sum.failures ?? 0)).toBe(
      3 * GROQ_KEYS.length,
    );
  });

  test("a duplicate delivery of a finished job calls no provider and writes nothing", async () => {
    const res = await generate({
      role: "Platform Engineer",
      difficulty: "easy",
      question_count: 3,
    });
    expect(res.status).toBe(200);
    const before = fake.calls.length;
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue("groq", {
      connection,
      prefix: sys.config.queuePrefix,
    });
    try {
      const again = await queue.add(
        "generate",
        { jobId: res.body.id },
        { jobId: `dup-${res.body.id}` },
      );
      await eventually(async () => (await again.getState()) === "completed");
    } finally {
      await queue.close();
      connection.disconnect();
    }
    expect(fake.calls.length).toBe(before);
    const read = await sys.call(`/api/v1/jobs/${res.body.id}`, { key: CLIENT });
    expect(read.body).toEqual(res.body);
    expect(await sys.db.question.count({ where: { jobId: res.body.id } })).toBe(3);
  });

  test("a job whose row was written but never queued (API crash) is queued again by housekeeping", async () => {
    const id = newId();
    await createLoneJob(sys.db, {
      id,
      tenantId: tenantIdFor(CLIENT),
      request: { role: "Orphan Role", difficulty: "medium", question_count: 2 },
    });
    expect(await sys.workers!.housekeeping.requeueOrphans(0)).toBe(1);
    const job = await eventually(async () => {
      const r = await sys.call(`/api/v1/jobs/${id}`, { key: CLIENT });
      return r.body.status === "completed" ? r.body : undefined;
    });
    expectGuarantees(job);
  });

  test("housekeeping leaves jobs that are queued in Redis alone", async () => {
    const workers = sys.workers!.workers;
    await Promise.all(workers.map((w) => w.pause()));
    try {
      const res = await generate(
        { role: "Waiting Role", difficulty: "easy", question_count: 1 },
        0,
      );
      expect(res.body.status).toBe("queued");
      expect(await sys.workers!.housekeeping.requeueOrphans(0)).toBe(0);
    } finally {
      workers.forEach((w) => w.resume());
    }
    await eventually(async () => (await sys.db.job.count({ where: { status: "queued" } })) === 0);
    expect(fake.calls).toHaveLength(1);
  });

  test("equally good keys share the traffic", async () => {
    for (let i = 0; i < 20; i++) {
      await generate({ role: "Any Role", difficulty: "easy", question_count: 1, fresh: true });
    }
    // Selection is random among equally scored keys: 20 calls all on one key has p = 2^-19.
    expect(new Set(fake.calls.map((c) => c.key))).toEqual(new Set(GROQ_KEYS));
  });

  test("no secret of any kind appears in the logs", () => {
    expect(sys.logs.lines.length).toBeGreaterThan(0);
    for (const secret of [...GROQ_KEYS, CLIENT]) expect(sys.logs.text).not.toContain(secret);
  });
});

describe("through @huggingface/inference", () => {
  let fake: FakeProvider;
  let sys: TestSystem;

  beforeAll(async () => {
    fake = await startFakeProvider();
    sys = await startSystem({
      HF_TOKEN,
      HF_ENDPOINT_URL: fake.url,
      HF_MODEL: "fake/instruct",
    });
  });
  afterAll(async () => {
    await sys?.close();
    await fake?.close();
  });

  test("a lone job and a batch complete through the HF endpoint client", async () => {
    const res = await sys.call("/api/v1/questions/generate?wait=20", {
      method: "POST",
      body: {
        role: "Security Engineer",
        difficulty: "hard",
        question_count: 12,
        categories: ["AppSec"],
      },
    });
    expect(res.status).toBe(200);
    expectGuarantees(res.body);
    expect(res.body.questions[0]).toMatchObject({
      provider: "huggingface",
      model: "fake/instruct",
    });
    expect(fake.calls.map((c) => c.path)).toEqual(Array(2).fill("/v1/chat/completions"));
    expect(fake.calls.every((c) => c.key === HF_TOKEN)).toBe(true);

    const created = await sys.call("/api/v1/batches", {
      method: "POST",
      body: {
        items: [
          { role: "Data Scientist", difficulty: "easy", question_count: 3 },
          {
            role: "DevOps Engineer",
            difficulty: "medium",
            question_count: 11,
            categories: ["CI", "Kubernetes"],
          },
        ],
      },
    });
    const batch = await eventually(async () => {
      const r = await sys.call(`/api/v1/batches/${created.body.id}`);
      return r.body.status === "completed" ? r.body : undefined;
    });
    expect(batch.counts.completed).toBe(2);
    const jobs = await sys.call(`/api/v1/batches/${created.body.id}/jobs`);
    for (const job of jobs.body.data) expectGuarantees(job);
    expect(sys.logs.text).not.toContain(HF_TOKEN);
  });
});

describe("through an OpenAI-compatible server", () => {
  let fake: FakeProvider;
  let sys: TestSystem;

  beforeAll(async () => {
    fake = await startFakeProvider();
    sys = await startSystem({
      OPENAI_COMPAT_BASE_URL: `${fake.url}/v1`,
      OPENAI_COMPAT_MODEL: "local-model",
    });
  });
  afterAll(async () => {
    await sys?.close();
    await fake?.close();
  });

  test("a job completes, recorded under openai_compat, with no key needed", async () => {
    const res = await sys.call("/api/v1/questions/generate?wait=20", {
      method: "POST",
      body: { role: "Mobile Developer", difficulty: "easy", question_count: 3 },
    });
    expect(res.status).toBe(200);
    expectGuarantees(res.body);
    expect(res.body.questions[0]).toMatchObject({
      provider: "openai_compat",
      model: "local-model",
    });
    expect(fake.calls.map((c) => c.path)).toEqual(["/v1/chat/completions"]);
    const usage = await sys.db.providerUsage.findMany();
    expect(usage.map((u) => [u.provider, u.keyId, u.requests])).toEqual([
      ["openai_compat", "openai_compat#1", 1],
    ]);
  });
});
