import { afterAll, describe, expect, test } from "vitest";
import { spawnWorker, waitForOutput } from "./helpers/processes.ts";
import { startThrowawayRedis, type ThrowawayRedis } from "./helpers/redis-server.ts";
import { eventually, startSystem } from "./helpers/system.ts";

// BullMQ needs `maxmemory-policy noeviction`: with any other policy Redis may evict queue keys
// and lose jobs. The API and the workers check at start and say so, loudly, in one line.

const servers: ThrowawayRedis[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function redisWith(config: Record<string, string | string[]>) {
  const s = await startThrowawayRedis({ appendOnly: false, config });
  servers.push(s);
  return s;
}

const warnings = (lines: string[]) =>
  lines
    .map((l) => JSON.parse(l) as { level: string; msg: string; service: string })
    .filter((l) => /maxmemory-policy/.test(l.msg));

describe.each([
  ["allkeys-lru", {}, /maxmemory-policy is allkeys-lru, not noeviction.*LOSE JOBS/],
  // Managed Redis often disables CONFIG: INFO still tells.
  ["volatile-ttl", { "rename-command": ["CONFIG", ""] }, /maxmemory-policy is volatile-ttl/],
])("Redis with %s", (policy, extra, expected) => {
  test("the API and the workers each warn once, at start", async () => {
    const redis = await redisWith({ "maxmemory-policy": policy, ...extra });
    const sys = await startSystem({ REDIS_URL: redis.url });
    try {
      await eventually(async () => warnings(sys.logs.lines).length >= 2, 10_000);
      const found = warnings(sys.logs.lines);
      // One from the API's connection, one from the workers'.
      expect(found).toHaveLength(2);
      for (const w of found) {
        expect(w.level).toBe("warn");
        expect(w.msg).toMatch(expected);
      }
    } finally {
      await sys.close();
    }
  });
});

test("a worker process prints the warning", async () => {
  const redis = await redisWith({ "maxmemory-policy": "allkeys-lfu" });
  const sys = await startSystem({ REDIS_URL: redis.url }, { workers: false });
  const worker = spawnWorker({
    DATABASE_URL: sys.config.databaseUrl,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: sys.config.queuePrefix,
  });
  try {
    await waitForOutput(worker, "maxmemory-policy is allkeys-lfu, not noeviction", 30_000);
  } finally {
    await worker.stop();
    await sys.close();
  }
}, 60_000);

test("CONFIG and INFO both disabled: it says it could not check", async () => {
  const redis = await redisWith({
    "maxmemory-policy": "allkeys-lru",
    "rename-command": ["CONFIG", ""],
  });
  // The ACL forbids INFO to the (default) user qforge connects as.
  const { Redis } = await import("ioredis");
  const admin = new Redis(redis.url);
  await admin.call("ACL", "SETUSER", "default", "-info");
  admin.disconnect();
  const sys = await startSystem({ REDIS_URL: redis.url }, { workers: false });
  try {
    await eventually(async () => warnings(sys.logs.lines).length >= 1, 10_000);
    expect(warnings(sys.logs.lines)[0]?.msg).toMatch(
      /could not read Redis maxmemory-policy \(CONFIG GET and INFO are disabled\)/,
    );
  } finally {
    await sys.close();
  }
});

test("noeviction: no warning", async () => {
  const redis = await redisWith({ "maxmemory-policy": "noeviction" });
  const sys = await startSystem({ REDIS_URL: redis.url });
  try {
    // Both checks have run once both connections are up: readiness and a worker round trip.
    expect((await sys.call("/readyz")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect(warnings(sys.logs.lines)).toEqual([]);
  } finally {
    await sys.close();
  }
});
