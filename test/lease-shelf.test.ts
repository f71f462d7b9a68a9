import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { Redis } from "ioredis";
import { LeaseShelf } from "@qforge/worker";
import { createDatabase, type Database } from "@qforge/database";
import { createLogger } from "@qforge/logger";
import { Orchestrator, redisKeys, utcDay, type OrchestratorKey } from "@qforge/orchestrator";
import { startFakeProvider } from "./fake-provider/server.ts";
import { createTestDatabase, TEST_REDIS_URL, uniqueName } from "./helpers/services.ts";
import { eventually, startSystem } from "./helpers/system.ts";

// Keys reserved ahead for a queue's next jobs, against the real orchestrator in Redis: a
// reservation held is counted like any other, one not taken goes back, and none is held when
// the key is short of room.

let database: { url: string; drop(): Promise<void> };
let db: Database;
let redis: Redis;
let prefix: string;
const logger = createLogger({ level: "silent" });

function orchestrator(limits = { rpm: 0, rpd: 0, tpm: 0, tpd: 0 }) {
  const key: OrchestratorKey = {
    provider: "groq",
    keyId: "groq#1",
    client: {
      provider: "groq",
      keyId: "groq#1",
      model: "m",
      chat: () => Promise.reject(new Error("not called")),
    },
    limits,
  };
  return new Orchestrator(
    redis,
    db,
    {
      queuePrefix: prefix,
      breaker: { failureThreshold: 5, openMs: 60_000, successThreshold: 1 },
      providerTimeoutMs: 10_000,
    },
    [key],
    { keyReprobeMs: 30_000 },
  );
}

/** Requests counted on the key today and in the last minute. */
async function counted() {
  const rk = redisKeys(prefix, "groq#1", utcDay(Date.now()));
  const [day, minute] = await Promise.all([redis.hget(rk.day, "r"), redis.hget(rk.minute, "R")]);
  return { day: Number(day ?? 0), minute: Number(minute ?? 0) };
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.url, { poolSize: 2 });
  redis = new Redis(TEST_REDIS_URL);
});
beforeEach(() => {
  prefix = uniqueName("qfs");
});
afterAll(async () => {
  const found = await redis.keys("qfs_*");
  if (found.length) await redis.del(...found);
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

test("a reservation made ahead is taken by the next job, at most `max` held", async () => {
  const shelf = new LeaseShelf(orchestrator(), "groq", logger, 2, 1000);
  await Promise.all([shelf.reserve(100), shelf.reserve(100), shelf.reserve(100)]);
  expect(shelf.size).toBe(2);
  expect(await counted()).toEqual({ day: 2, minute: 2 });
  // A job that must not use that key (it failed the job) does not get it.
  expect(shelf.take(new Set(["groq#1"]))).toBeUndefined();
  expect(shelf.size).toBe(2);
  const lease = shelf.take();
  expect(lease).toMatchObject({ provider: "groq", keyId: "groq#1", estTokens: 100 });
  expect(shelf.size).toBe(1);
  await shelf.releaseAll();
  expect(shelf.take()).toBeUndefined();
  // The one taken stays counted (its job will settle it); the other went back.
  expect(await counted()).toEqual({ day: 1, minute: 1 });
  await shelf.reserve(100);
  expect(shelf.size).toBe(0);
});

test("a reservation not taken in time goes back", async () => {
  const shelf = new LeaseShelf(orchestrator(), "groq", logger, 4, 50);
  await shelf.reserve(100);
  await shelf.reserve(100);
  expect(await counted()).toEqual({ day: 2, minute: 2 });
  await new Promise((r) => setTimeout(r, 200));
  expect(shelf.size).toBe(0);
  expect(shelf.take()).toBeUndefined();
  expect(await counted()).toEqual({ day: 0, minute: 0 });
});

test("nothing is held ahead on a key past half of its limit", async () => {
  const o = orchestrator({ rpm: 4, rpd: 0, tpm: 0, tpd: 0 });
  const shelf = new LeaseShelf(o, "groq", logger, 4, 1000);
  await shelf.reserve(10); // 0 of 4 used before it
  await shelf.reserve(10); // 1 of 4
  await shelf.reserve(10); // 2 of 4: not past half yet
  expect(shelf.size).toBe(3);
  await shelf.reserve(10); // 3 of 4: given back at once
  expect(shelf.size).toBe(3);
  expect(await counted()).toEqual({ day: 3, minute: 3 });
  // The room left is there for a job that needs it now.
  expect((await o.acquire("groq", { estTokens: 10 })).ok).toBe(true);
  await shelf.releaseAll();
});

test("a worker that stops gives back the keys it held ahead: Redis counts the calls made", async () => {
  const fake = await startFakeProvider();
  const sys = await startSystem({
    API_KEYS: "client-key-shelf-0001",
    GROQ_API_KEY: "gsk_fake_shelf_key_00000000000000000",
    GROQ_BASE_URL: fake.url,
    GROQ_RPM: "100000",
    GROQ_TPM: "1000000000",
    GROQ_RPD: "1000000",
    GROQ_TPD: "1000000000",
  });
  try {
    const created = await sys.call("/api/v1/batches", {
      method: "POST",
      key: "client-key-shelf-0001",
      body: {
        items: Array.from({ length: 12 }, (_, i) => ({
          role: `Shelf Role ${i}`,
          difficulty: "easy",
          question_count: 2,
          fresh: true,
        })),
      },
    });
    expect(created.status).toBe(202);
    await eventually(async () => {
      const r = await sys.call(`/api/v1/batches/${created.body.id}`, {
        key: "client-key-shelf-0001",
      });
      return r.body.status === "completed";
    }, 30_000);
    // At once, before a held key would go back by itself.
    await sys.workers!.close();
    const rk = redisKeys(sys.config.queuePrefix, "groq#1", utcDay(Date.now()));
    expect(Number(await redis.hget(rk.day, "r"))).toBe(fake.calls.length);
    expect(Number(await redis.hget(rk.minute, "R"))).toBe(fake.calls.length);
  } finally {
    await sys.close();
    await fake.close();
  }
});
