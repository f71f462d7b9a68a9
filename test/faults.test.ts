import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { startFaultProxy, type FaultProxy } from "./helpers/proxy.ts";
import { ADMIN_DATABASE_URL, TEST_REDIS_URL } from "./helpers/services.ts";
import { eventually, startSystem, type TestSystem } from "./helpers/system.ts";

// Stores that hang or vanish: the API answers 503 instead of hanging, and workers wait for
// Postgres to come back without failing jobs or spending their attempts.

const valid = { role: "Backend Engineer", difficulty: "medium", question_count: 2 };

describe("Redis that stops answering", () => {
  let proxy: FaultProxy;
  let sys: TestSystem;
  beforeAll(async () => {
    proxy = await startFaultProxy(Number(new URL(TEST_REDIS_URL).port || 6379));
    sys = await startSystem({ REDIS_URL: proxy.url(TEST_REDIS_URL) }, { workers: false });
  });
  afterAll(async () => {
    proxy?.up();
    await sys?.close();
    await proxy?.close();
  });

  test("a submission answers 503 within the command timeout and leaves no row", async () => {
    expect(
      (await sys.call("/api/v1/questions/generate", { method: "POST", body: valid })).status,
    ).toBe(202);
    const rowsBefore = await sys.db.job.count();
    proxy.stall();
    const started = Date.now();
    const res = await sys.call("/api/v1/questions/generate", { method: "POST", body: valid });
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(9000);
    expect(await sys.db.job.count()).toBe(rowsBefore);
    const ready = await sys.call("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.checks.redis).toBe("unreachable");
  }, 30_000);
});

describe("Postgres down in the middle of a batch", () => {
  let proxy: FaultProxy;
  let fake: FakeProvider;
  let sys: TestSystem;
  beforeAll(async () => {
    proxy = await startFaultProxy(Number(new URL(ADMIN_DATABASE_URL).port || 5432));
    fake = await startFakeProvider({ defaultBehaviour: { kind: "questions", latencyMs: 150 } });
    sys = await startSystem(
      {
        GROQ_API_KEY: "gsk_fake_faults_key_000000000000000",
        GROQ_BASE_URL: fake.url,
        WORKER_CONCURRENCY: "4",
        JOB_ATTEMPTS: "2",
        JOB_BACKOFF_MS: "200",
      },
      { databaseUrl: (url) => proxy.url(url) },
    );
  });
  afterAll(async () => {
    proxy?.up();
    await sys?.close();
    await proxy?.close();
    await fake?.close();
  });

  test("every job still completes, none failed, no attempt spent on the outage", async () => {
    const created = await sys.call("/api/v1/batches", {
      method: "POST",
      body: { items: Array.from({ length: 24 }, (_, i) => ({ ...valid, role: `Role ${i}` })) },
    });
    expect(created.status).toBe(202);
    const batchId = created.body.id as string;
    await eventually(
      async () => (await sys.db.job.count({ where: { batchId, status: "completed" } })) >= 4,
    );
    proxy.down();
    await new Promise((r) => setTimeout(r, 3000));
    proxy.up();

    const batch = await eventually(async () => {
      const b = await sys.db.batch.findUnique({ where: { id: batchId } });
      return b?.status === "completed" ? b : undefined;
    }, 60_000);
    expect(batch).toMatchObject({
      total: 24,
      completedCount: 24,
      failedCount: 0,
      queuedCount: 0,
      activeCount: 0,
    });
    const jobs = await sys.db.job.findMany({ where: { batchId }, include: { questions: true } });
    for (const job of jobs) {
      expect(job.status).toBe("completed");
      expect(job.questions).toHaveLength(2);
      // Attempts count starts of work: an outage may add one, but a real failure never happened.
      expect(job.errorCode).toBeNull();
    }
  }, 90_000);
});

describe("readiness follows the stores; workers carry on when they come back", () => {
  let redisProxy: FaultProxy;
  let pgProxy: FaultProxy;
  let fake: FakeProvider;
  let sys: TestSystem;
  beforeAll(async () => {
    redisProxy = await startFaultProxy(Number(new URL(TEST_REDIS_URL).port || 6379));
    pgProxy = await startFaultProxy(Number(new URL(ADMIN_DATABASE_URL).port || 5432));
    fake = await startFakeProvider({ defaultBehaviour: { kind: "questions", latencyMs: 100 } });
    sys = await startSystem(
      {
        REDIS_URL: redisProxy.url(TEST_REDIS_URL),
        GROQ_API_KEY: "gsk_fake_faults_key_000000000000000",
        GROQ_BASE_URL: fake.url,
        GROQ_RPM: "0",
        GROQ_TPM: "0",
        WORKER_CONCURRENCY: "4",
      },
      { databaseUrl: (url) => pgProxy.url(url) },
    );
  });
  afterAll(async () => {
    redisProxy?.up();
    pgProxy?.up();
    await sys?.close();
    await redisProxy?.close();
    await pgProxy?.close();
    await fake?.close();
  });

  const readiness = async () => {
    const r = await sys.call("/readyz");
    return { status: r.status, checks: r.body.checks };
  };

  test("/readyz is 503 naming the store that is down, and 200 again when it is back", async () => {
    expect(await readiness()).toEqual({ status: 200, checks: { redis: "ok", postgres: "ok" } });

    redisProxy.down();
    expect(await readiness()).toEqual({
      status: 503,
      checks: { redis: "unreachable", postgres: "ok" },
    });
    redisProxy.up();
    await eventually(async () => (await readiness()).status === 200, 15_000);

    pgProxy.down();
    const started = Date.now();
    expect(await readiness()).toEqual({
      status: 503,
      checks: { redis: "ok", postgres: "unreachable" },
    });
    const read = await sys.call("/api/v1/batches");
    expect(read.status).toBe(503);
    expect(read.headers.get("content-type")).toMatch(/problem\+json/);
    expect(Date.now() - started).toBeLessThan(10_000);
    pgProxy.up();
    await eventually(async () => (await readiness()).status === 200, 15_000);
    expect((await sys.call("/api/v1/batches")).status).toBe(200);
  }, 60_000);

  test("Redis cut mid-batch: the workers reconnect and the batch completes, exactly", async () => {
    const created = await sys.call("/api/v1/batches", {
      method: "POST",
      body: {
        items: Array.from({ length: 30 }, (_, i) => ({
          ...valid,
          role: `Reconnect ${i}`,
          fresh: true,
        })),
      },
    });
    expect(created.status).toBe(202);
    const batchId = created.body.id as string;
    await eventually(
      async () => (await sys.db.job.count({ where: { batchId, status: "completed" } })) >= 5,
    );
    redisProxy.down();
    await new Promise((r) => setTimeout(r, 3000));
    redisProxy.up();
    const batch = await eventually(async () => {
      const b = await sys.db.batch.findUnique({ where: { id: batchId } });
      return b?.status === "completed" ? b : undefined;
    }, 60_000);
    expect(batch).toMatchObject({ completedCount: 30, failedCount: 0 });
    const jobs = await sys.db.job.findMany({ where: { batchId }, include: { questions: true } });
    for (const job of jobs) expect(job.questions).toHaveLength(2);
  }, 90_000);
});
