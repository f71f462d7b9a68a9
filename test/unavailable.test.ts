import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startSystem, type TestSystem } from "./helpers/system.ts";

// An unreachable Redis or Postgres is a 503 problem, answered promptly, and nothing is half
// written; /readyz says which one is down.

const valid = { role: "Backend Engineer", difficulty: "medium", question_count: 3 };

describe("Redis unreachable", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    // Port 1: nothing listens there.
    sys = await startSystem({ REDIS_URL: "redis://127.0.0.1:1" }, { workers: false });
  });
  afterAll(async () => {
    await sys?.close();
  });

  test("submissions answer 503 at once and leave no rows behind", async () => {
    const started = Date.now();
    const job = await sys.call("/api/v1/questions/generate", { method: "POST", body: valid });
    const batch = await sys.call("/api/v1/batches", { method: "POST", body: { items: [valid] } });
    expect(Date.now() - started).toBeLessThan(5000);
    for (const res of [job, batch]) {
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      expect(res.headers.get("retry-after")).toBe("5");
    }
    expect(await sys.db.job.count()).toBe(0);
    expect(await sys.db.batch.count()).toBe(0);
  });

  test("reads from Postgres still work; readiness names Redis", async () => {
    expect((await sys.call("/api/v1/batches")).status).toBe(200);
    const ready = await sys.call("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ redis: "unreachable", postgres: "ok" });
  });
});

describe("Postgres unreachable", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startSystem({}, { workers: false });
    // Point the API's client at a port where no Postgres listens, keeping the real one for cleanup.
  });
  afterAll(async () => {
    await sys?.close();
  });

  test("the API answers 503, not 500, and readiness names Postgres", async () => {
    const { startApi } = await import("@qforge/api");
    const broken = await startApi(
      { ...sys.config, databaseUrl: "postgresql://postgres@127.0.0.1:1/none" },
      sys.logger,
      { host: "127.0.0.1", port: 0 },
    );
    try {
      const post = await fetch(`${broken.url}/api/v1/questions/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(valid),
      });
      expect(post.status).toBe(503);
      expect(post.headers.get("content-type")).toMatch(/problem\+json/);
      const read = await fetch(`${broken.url}/api/v1/batches`);
      expect(read.status).toBe(503);
      const ready = await fetch(`${broken.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: unknown }).checks).toEqual({
        redis: "ok",
        postgres: "unreachable",
      });
    } finally {
      await broken.close();
    }
  });
});
