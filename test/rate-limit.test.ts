import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startApi, type ApiServer } from "@qforge/api";
import { startFaultProxy, type FaultProxy } from "./helpers/proxy.ts";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { startSystem, type TestSystem } from "./helpers/system.ts";

// API_RATE_LIMIT requests per minute per client key, shared by every API process via Redis.

const ALICE = "rate-key-alice-0001";
const BOB = "rate-key-bob-0002";
const LIMIT = 5;

const get = (base: string, path: string, key?: string) =>
  fetch(base + path, key ? { headers: { authorization: `Bearer ${key}` } } : {});

describe("two API processes sharing Redis", () => {
  let sys: TestSystem;
  let other: ApiServer;
  beforeAll(async () => {
    sys = await startSystem(
      { API_KEYS: `${ALICE},${BOB}`, API_RATE_LIMIT: String(LIMIT) },
      { workers: false },
    );
    other = await startApi(sys.config, sys.logger, { host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await other?.close();
    await sys?.close();
  });

  test("the limit is per key across processes; past it, 429 with retry-after", async () => {
    // 3 on one process, 2 on the other: 5, the whole budget.
    const bases = [sys.api.url, sys.api.url, sys.api.url, other.url, other.url];
    for (const [i, base] of bases.entries()) {
      const res = await get(base, "/api/v1/batches", ALICE);
      expect(res.status, `request ${i + 1}`).toBe(200);
      expect(res.headers.get("ratelimit-limit")).toBe(String(LIMIT));
      expect(res.headers.get("ratelimit-remaining")).toBe(String(LIMIT - 1 - i));
      await res.text();
    }
    for (const base of [other.url, sys.api.url]) {
      const res = await get(base, "/api/v1/batches", ALICE);
      expect(res.status).toBe(429);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(res.headers.get("ratelimit-remaining")).toBe("0");
      const body = (await res.json()) as { status: number };
      expect(body.status).toBe(429);
      expect(JSON.stringify(body)).not.toContain(ALICE);
    }
    // A POST past the limit creates nothing.
    const post = await fetch(`${sys.api.url}/api/v1/batches`, {
      method: "POST",
      headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/json" },
      body: JSON.stringify({ items: [{ role: "QA", difficulty: "easy", question_count: 1 }] }),
    });
    expect(post.status).toBe(429);
    await post.text();
    expect(await sys.db.batch.count()).toBe(0);

    // Another key has its own budget.
    const bob = await get(other.url, "/api/v1/batches", BOB);
    expect(bob.status).toBe(200);
    await bob.text();
  });

  test("health, readiness, metrics and the OpenAPI document are not limited", async () => {
    for (let i = 0; i < LIMIT * 2; i++) {
      for (const path of ["/healthz", "/readyz", "/metrics", "/openapi.json"]) {
        const res = await get(sys.api.url, path);
        expect(res.status, path).toBe(200);
        await res.text();
      }
    }
  });
});

describe("Redis out of reach", () => {
  let sys: TestSystem;
  let redisProxy: FaultProxy;
  beforeAll(async () => {
    const redisPort = Number(new URL(TEST_REDIS_URL).port || 6379);
    redisProxy = await startFaultProxy(redisPort, new URL(TEST_REDIS_URL).hostname);
    sys = await startSystem(
      { API_KEYS: ALICE, API_RATE_LIMIT: String(LIMIT), REDIS_URL: redisProxy.url(TEST_REDIS_URL) },
      { workers: false },
    );
  });
  afterAll(async () => {
    await sys?.close();
    await redisProxy?.close();
  });

  test("requests are not refused for it: each process limits on its own meanwhile", async () => {
    redisProxy.down();
    const started = Date.now();
    // GET /batches needs only Postgres: it is served, and counted in memory.
    for (let i = 0; i < LIMIT; i++) {
      const res = await get(sys.api.url, "/api/v1/batches", ALICE);
      expect(res.status, `request ${i + 1}`).toBe(200);
      await res.text();
    }
    const over = await get(sys.api.url, "/api/v1/batches", ALICE);
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toMatch(/^\d+$/);
    await over.text();
    // No request waited for Redis (each gives up on it within 0.5 s at most).
    expect(Date.now() - started).toBeLessThan((LIMIT + 1) * 1000);
    redisProxy.up();
  });
});
