import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { spawnWorker, workerReady, type WorkerProcess } from "./helpers/processes.ts";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { eventually, startSystem, type TestSystem } from "./helpers/system.ts";

// The orchestrator as one system across processes: the API in this process, two real worker
// processes (`apps/worker/src/main.ts`), provider keys at fake servers over HTTP.

interface Cluster {
  sys: TestSystem;
  workers: WorkerProcess[];
  close(): Promise<void>;
}

async function cluster(env: Record<string, string>, processes = 2): Promise<Cluster> {
  const sys = await startSystem(env, { workers: false });
  const workerEnv = {
    ...env,
    DATABASE_URL: sys.config.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: sys.config.queuePrefix,
    LOG_LEVEL: "info",
  };
  const workers = Array.from({ length: processes }, () => spawnWorker(workerEnv));
  await Promise.all(workers.map((w) => workerReady(w)));
  return {
    sys,
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.stop(5000)));
      await sys.close();
    },
  };
}

const items = (n: number, role: string) =>
  Array.from({ length: n }, (_, i) => ({
    role: `${role} ${i}`,
    difficulty: "easy",
    question_count: 2,
  }));

async function runBatch(sys: TestSystem, n: number, role: string, timeoutMs = 40_000) {
  const created = await sys.call("/api/v1/batches", {
    method: "POST",
    body: { items: items(n, role) },
  });
  expect(created.status).toBe(202);
  return eventually(async () => {
    const r = await sys.call(`/api/v1/batches/${created.body.id}`);
    return r.body.status === "completed" ? r.body : undefined;
  }, timeoutMs);
}

const providerKeys = async (sys: TestSystem) =>
  Object.fromEntries(
    ((await sys.call("/api/v1/providers")).body.data as any[]).flatMap((p) =>
      p.keys.map((k: any) => [k.id, k]),
    ),
  );

const G = ["gsk_fake_orch_a_000000000000000000", "gsk_fake_orch_b_000000000000000000"];
const H = "hf_fake_orch_token_00000000000000000";

describe("one provider failing with 500s", () => {
  let groq: FakeProvider;
  let hf: FakeProvider;
  let c: Cluster;
  beforeAll(async () => {
    groq = await startFakeProvider({ defaultBehaviour: { kind: "status", status: 500 } });
    hf = await startFakeProvider({ defaultBehaviour: { kind: "questions", latencyMs: 20 } });
    c = await cluster({
      GROQ_API_KEYS: G.join(","),
      GROQ_BASE_URL: groq.url,
      HF_TOKENS: H,
      HF_ENDPOINT_URL: hf.url,
      HF_MODEL: "fake/instruct",
      HF_RPM: "10000",
      WORKER_CONCURRENCY: "3",
      // Long enough that the breakers are still open when the first batch has ended, even on a
      // loaded machine.
      BREAKER_OPEN_MS: "20000",
    });
  });
  afterAll(async () => {
    await c?.close();
    await groq?.close();
    await hf?.close();
  });

  test("every job completes through the next provider; the breakers open for every process; a probe closes them", async () => {
    const batch = await runBatch(c.sys, 40, "Fallback Role");
    expect(batch.counts).toMatchObject({ total: 40, completed: 40, failed: 0 });
    // Threshold (5) per key, plus at most the calls in flight (2 processes × 3) when they opened.
    const failing = groq.calls.length;
    expect(failing).toBeGreaterThanOrEqual(2 * 5);
    expect(failing).toBeLessThanOrEqual(2 * 5 + 2 * 3);
    const jobs = await c.sys.db.job.findMany({ where: { batchId: batch.id } });
    expect(jobs.every((j) => j.attempts === 1)).toBe(true);
    const questions = await c.sys.db.question.findMany({ where: { job: { batchId: batch.id } } });
    expect(questions).toHaveLength(80);
    expect(new Set(questions.map((q) => q.provider))).toEqual(new Set(["huggingface"]));
    // Both processes served the batch, and moved jobs on.
    for (const w of c.workers) expect(w.output.join("")).toContain("moved to another provider");
    const keys = await providerKeys(c.sys);
    expect(keys["groq#1"]).toMatchObject({ breaker: "open", healthy: false });
    expect(keys["groq#2"]).toMatchObject({ breaker: "open", healthy: false });
    expect(keys["huggingface#1"]).toMatchObject({ breaker: "closed", enabled: true });

    // A second batch while open: not one call to the open keys.
    const before = groq.calls.length;
    await runBatch(c.sys, 10, "While Open");
    expect(groq.calls.length).toBe(before);

    // Groq recovers; after the open period one probe per key closes its breaker.
    groq.setDefault({ kind: "questions" });
    const recovering = Date.now();
    await eventually(async () => {
      const k = await providerKeys(c.sys);
      return k["groq#1"].breaker === "half_open" && k["groq#2"].breaker === "half_open";
    }, 30_000);
    const again = await runBatch(c.sys, 20, "After Recovery");
    const recoveredMs = Date.now() - recovering;
    expect(again.counts).toMatchObject({ completed: 20, failed: 0 });
    const served = await c.sys.db.question.findMany({
      where: { job: { batchId: again.id } },
      select: { provider: true },
    });
    expect(served.filter((q) => q.provider === "groq").length).toBeGreaterThan(0);
    const after = await providerKeys(c.sys);
    expect(after["groq#1"].breaker).toBe("closed");
    expect(after["groq#2"].breaker).toBe("closed");
    console.info(
      `[figures] failing calls to groq: ${failing}; groq calls after recovery: ${groq.calls.length - before}; ` +
        `recovered within ${recoveredMs} ms of the provider coming back (open period 20000 ms)`,
    );
  }, 120_000);
});

describe("keys that throttle, hang or are revoked", () => {
  const K = {
    limited: "gsk_fake_orch_limited_0000000000000",
    hanging: "gsk_fake_orch_hanging_0000000000000",
    revoked: "gsk_fake_orch_revoked_0000000000000",
    good: "gsk_fake_orch_good_000000000000000000",
  };
  let groq: FakeProvider;
  let c: Cluster;
  beforeAll(async () => {
    groq = await startFakeProvider({ defaultBehaviour: { kind: "questions", latencyMs: 30 } });
    groq.script(K.limited, { kind: "status", status: 429, headers: { "retry-after": "4" } });
    groq.setKeyDefault(K.hanging, { kind: "hang" });
    groq.setKeyDefault(K.revoked, { kind: "status", status: 401 });
    c = await cluster({
      GROQ_API_KEYS: [K.limited, K.hanging, K.revoked, K.good].join(","),
      GROQ_BASE_URL: groq.url,
      PROVIDER_TIMEOUT_MS: "2000",
      WORKER_CONCURRENCY: "3",
      BREAKER_FAILURE_THRESHOLD: "3",
    });
  });
  afterAll(async () => {
    await c?.close();
    await groq?.close();
  });

  test("no job fails; each key is treated as its failure deserves", async () => {
    const batch = await runBatch(c.sys, 30, "Mixed Keys", 60_000);
    expect(batch.counts).toMatchObject({ completed: 30, failed: 0 });
    const jobs = await c.sys.db.job.findMany({ where: { batchId: batch.id } });
    expect(jobs.every((j) => j.attempts === 1 && j.status === "completed")).toBe(true);

    const calls = (key: string) => groq.calls.filter((x) => x.key === key);
    // 429 with retry-after 4: no call on that key for the next 4 s. Calls that took the key
    // before the pause was recorded may still arrive a little later (this machine is shared):
    // none may arrive between 1.5 s and 3.9 s after the 429.
    const limited = calls(K.limited);
    const first429 = limited[0]!.at;
    expect(limited.filter((x) => x.at > first429 + 1500 && x.at < first429 + 3900)).toHaveLength(0);
    // 401: disabled at once, with its reason; at most the calls already in flight follow.
    expect(calls(K.revoked).length).toBeLessThanOrEqual(1 + 2 * 3);
    // Hanging: every call ends at the timeout and counts as a failure, up to the breaker.
    expect(calls(K.hanging).length).toBeGreaterThanOrEqual(1);
    expect(calls(K.hanging).length).toBeLessThanOrEqual(3 + 2 * 3);

    const keys = await providerKeys(c.sys);
    expect(keys["groq#3"]).toMatchObject({ enabled: false });
    expect(keys["groq#3"].disabled_reason).toMatch(/401/);
    expect(keys["groq#2"].health).toBeLessThan(1);
    expect(keys["groq#2"].latency_ms).toBeGreaterThanOrEqual(1900);
    expect(keys["groq#4"]).toMatchObject({ enabled: true, breaker: "closed" });
    const usage = await c.sys.db.providerUsage.findMany({ orderBy: { keyId: "asc" } });
    const byKey = Object.fromEntries(usage.map((u) => [u.keyId, u]));
    expect(byKey["groq#2"]!.failures).toBe(calls(K.hanging).length);
    expect(byKey["groq#3"]!.failures).toBe(calls(K.revoked).length);
    // Every call the fake saw is in the usage record, once.
    expect(usage.reduce((n, u) => n + u.requests, 0)).toBe(groq.calls.length);
    const timeouts = c.workers
      .flatMap((w) => w.output.join("").split("\n"))
      .filter((l) => l.includes('"kind":"timeout"'));
    expect(timeouts.length).toBe(calls(K.hanging).length);
    console.info(
      `[figures] calls per key: limited ${limited.length}, hanging ${calls(K.hanging).length}, ` +
        `revoked ${calls(K.revoked).length}, good ${calls(K.good).length}; jobs completed 30/30`,
    );
  }, 90_000);
});

describe("a key fails a job while the only other key is throttled", () => {
  const K = {
    broken: "gsk_fake_orch_broken_00000000000000",
    paused: "gsk_fake_orch_paused_00000000000000",
  };
  let groq: FakeProvider;
  let c: Cluster;
  beforeAll(async () => {
    groq = await startFakeProvider();
    groq.setKeyDefault(K.broken, { kind: "status", status: 500 });
    // Its first call answers 429 (retry after 2 s), then questions.
    groq.script(K.paused, { kind: "status", status: 429, headers: { "retry-after": "2" } });
    c = await cluster(
      {
        GROQ_API_KEYS: [K.broken, K.paused].join(","),
        GROQ_BASE_URL: groq.url,
        GROQ_RPM: "100000",
        GROQ_TPM: "100000000",
        WORKER_CONCURRENCY: "1",
        BREAKER_FAILURE_THRESHOLD: "100",
      },
      1,
    );
  });
  afterAll(async () => {
    await c?.close();
    await groq?.close();
  });

  test("the job waits for the throttled key, spending no attempt, and completes", async () => {
    // Whichever key it draws first, the job meets both failures in its first attempt: the 500
    // puts the broken key out of this job, the 429 pauses the other for 2 s.
    const batch = await runBatch(c.sys, 1, "Waits For Its Key", 30_000);
    expect(batch.counts).toMatchObject({ completed: 1, failed: 0 });
    const [job] = await c.sys.db.job.findMany({ where: { batchId: batch.id } });
    expect(job).toMatchObject({ status: "completed", attempts: 1 });
    const paused = groq.calls.filter((x) => x.key === K.paused);
    expect(paused.map((x) => x.behaviour.kind)).toEqual(["status", "questions"]);
    // The answer came after the pause, not before it.
    expect(paused[1]!.at - paused[0]!.at).toBeGreaterThanOrEqual(1900);
    const questions = await c.sys.db.question.findMany({ where: { jobId: job!.id } });
    expect(questions.map((q) => q.provider)).toEqual(["groq", "groq"]);
  }, 60_000);
});

describe("one provider, every key rate-limited", () => {
  const K = ["gsk_fake_orch_slow_0000000000000000", "gsk_fake_orch_fast_0000000000000000"];
  let groq: FakeProvider;
  let c: Cluster;
  beforeAll(async () => {
    groq = await startFakeProvider();
    c = await cluster({
      GROQ_API_KEYS: K.join(","),
      GROQ_BASE_URL: groq.url,
      // Limits out of the way: this is about waiting for 429s and about scores.
      GROQ_RPM: "100000",
      GROQ_TPM: "100000000",
      WORKER_CONCURRENCY: "2",
    });
  });
  afterAll(async () => {
    await c?.close();
    await groq?.close();
  });

  test("jobs wait, queued, spending no attempt, then all complete", async () => {
    const limited = { kind: "status" as const, status: 429, headers: { "retry-after": "2" } };
    groq.setKeyDefault(K[0]!, limited);
    groq.setKeyDefault(K[1]!, limited);
    const created = await c.sys.call("/api/v1/batches", {
      method: "POST",
      body: { items: items(8, "Patient Role") },
    });
    // While both keys are paused nothing completes and nothing fails.
    await eventually(async () => groq.calls.length >= 2);
    await new Promise((r) => setTimeout(r, 1000));
    const waiting = await c.sys.call(`/api/v1/batches/${created.body.id}`);
    expect(waiting.body.counts).toMatchObject({ completed: 0, failed: 0 });
    expect(waiting.body.counts.queued + waiting.body.counts.active).toBe(8);
    groq.reset();
    const batch = await eventually(async () => {
      const r = await c.sys.call(`/api/v1/batches/${created.body.id}`);
      return r.body.status === "completed" ? r.body : undefined;
    }, 30_000);
    expect(batch.counts).toMatchObject({ completed: 8, failed: 0 });
    const jobs = await c.sys.db.job.findMany({ where: { batchId: created.body.id } });
    expect(jobs.every((j) => j.attempts === 1)).toBe(true);
  }, 60_000);

  test("a slower key gets less traffic", async () => {
    groq.reset();
    groq.setKeyDefault(K[0]!, { kind: "questions", latencyMs: 600 });
    groq.setKeyDefault(K[1]!, { kind: "questions", latencyMs: 10 });
    await runBatch(c.sys, 60, "Score Role", 60_000);
    const slow = groq.calls.filter((x) => x.key === K[0]).length;
    const fast = groq.calls.filter((x) => x.key === K[1]).length;
    expect(fast).toBeGreaterThan(slow * 2);
    console.info(`[figures] slow key (600 ms) ${slow} calls, fast key (10 ms) ${fast} calls`);
  }, 90_000);
});

describe("a daily limit raced by two processes", () => {
  const K = ["gsk_fake_orch_daily_a_00000000000000", "gsk_fake_orch_daily_b_00000000000000"];
  let groq: FakeProvider;
  let hf: FakeProvider;
  let c: Cluster;
  beforeAll(async () => {
    groq = await startFakeProvider();
    hf = await startFakeProvider();
    c = await cluster({
      GROQ_API_KEYS: K.join(","),
      GROQ_BASE_URL: groq.url,
      GROQ_RPD: "5",
      GROQ_RPM: "100000",
      GROQ_TPM: "100000000",
      HF_TOKENS: H,
      HF_ENDPOINT_URL: hf.url,
      HF_MODEL: "fake/instruct",
      HF_RPM: "100000",
      HF_TPM: "100000000",
      WORKER_CONCURRENCY: "4",
    });
  });
  afterAll(async () => {
    await c?.close();
    await groq?.close();
    await hf?.close();
  });

  test("exactly N calls per key, then the next provider; usage rows match the calls; alerts fire once", async () => {
    const created = await c.sys.call("/api/v1/batches", {
      method: "POST",
      body: { items: items(30, "Daily Role").map((i) => ({ ...i, fresh: true })) },
    });
    const batch = await eventually(async () => {
      const r = await c.sys.call(`/api/v1/batches/${created.body.id}`);
      return r.body.status === "completed" ? r.body : undefined;
    }, 40_000);
    expect(batch.counts).toMatchObject({ completed: 30, failed: 0 });
    for (const key of K) expect(groq.calls.filter((x) => x.key === key)).toHaveLength(5);
    expect(hf.calls).toHaveLength(20);

    const keys = await providerKeys(c.sys);
    for (const id of ["groq#1", "groq#2"]) {
      expect(keys[id].usage_today).toMatchObject({ requests: 5, percent: 100 });
      expect(keys[id].alerts.map((a: any) => a.threshold)).toEqual([80, 90, 100]);
    }
    const usage = await c.sys.db.providerUsage.findMany();
    const requests = Object.fromEntries(usage.map((u) => [u.keyId, u.requests]));
    expect(requests).toEqual({ "groq#1": 5, "groq#2": 5, "huggingface#1": 20 });
    const alertLines = c.workers
      .flatMap((w) => w.output.join("").split("\n"))
      .filter((l) => l.includes("of its daily limit"));
    expect(alertLines).toHaveLength(6);
  }, 60_000);
});
