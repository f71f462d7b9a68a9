import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { Redis } from "ioredis";
import { createDatabase, recordProviderUsage, type Database } from "@qforge/database";
import {
  Orchestrator,
  readProviderStatus,
  utcDay,
  type AlertEvent,
  type Lease,
  type OrchestratorKey,
} from "@qforge/orchestrator";
import type { ProviderKeyClient, ProviderName } from "@qforge/providers";
import { createTestDatabase, TEST_REDIS_URL, uniqueName } from "./helpers/services.ts";

// The shared key state in Redis, driven directly with a clock the test controls: breakers,
// probes, pauses, disabled keys, per-minute and daily limits, alerts, seeding from Postgres.

const NO_LIMITS = { rpm: 0, rpd: 0, tpm: 0, tpd: 0 };
const BREAKER = { failureThreshold: 5, openMs: 60_000, successThreshold: 1 };

let database: { url: string; drop(): Promise<void> };
let db: Database;
const redises: Redis[] = [];
let clock = Date.UTC(2026, 10, 24, 12, 0, 0);
let prefix: string;

function client(provider: ProviderName, keyId: string): ProviderKeyClient {
  return {
    provider,
    keyId,
    model: "m",
    chat: () => Promise.reject(new Error("not called in these tests")),
  };
}

function keys(provider: ProviderName, n: number, limits = NO_LIMITS): OrchestratorKey[] {
  return Array.from({ length: n }, (_, i) => ({
    provider,
    keyId: `${provider}#${i + 1}`,
    client: client(provider, `${provider}#${i + 1}`),
    limits,
  }));
}

function orchestrator(
  ks: OrchestratorKey[],
  opts: { alerts?: AlertEvent[]; breaker?: typeof BREAKER } = {},
): Orchestrator {
  const redis = new Redis(TEST_REDIS_URL);
  redises.push(redis);
  return new Orchestrator(
    redis,
    db,
    { queuePrefix: prefix, breaker: opts.breaker ?? BREAKER, providerTimeoutMs: 10_000 },
    ks,
    {
      keyReprobeMs: 30_000,
      now: () => clock,
      ...(opts.alerts ? { onAlert: (a: AlertEvent) => void opts.alerts!.push(a) } : {}),
    },
  );
}

async function lease(o: Orchestrator, provider: ProviderName = "groq", est = 100): Promise<Lease> {
  const res = await o.acquire(provider, { estTokens: est });
  if (!res.ok) throw new Error(`expected a lease, got wait ${res.waitMs}: ${JSON.stringify(res)}`);
  return res.lease;
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.url, { poolSize: 3 });
});
beforeEach(() => {
  prefix = uniqueName("qfo");
  clock += 86_400_000; // a fresh UTC day for every test
});
afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  const found = await redis.keys("qfo_*");
  if (found.length) await redis.del(...found);
  redis.disconnect();
  redises.forEach((r) => r.disconnect());
  await db?.$disconnect();
  await database?.drop();
});

describe("circuit breaker", () => {
  test("opens after the threshold, lets exactly one probe through, closes on its success", async () => {
    const o = orchestrator(keys("groq", 1));
    for (let i = 0; i < 4; i++) {
      await o.settle(await lease(o), { outcome: "fail", latencyMs: 10, tokens: 0 });
    }
    // Four failures: still closed.
    const fifth = await lease(o);
    await o.settle(fifth, { outcome: "fail", latencyMs: 10, tokens: 0 });
    const open = await o.acquire("groq", { estTokens: 1 });
    expect(open).toMatchObject({
      ok: false,
      blocks: [{ kind: "down", reason: "circuit breaker open" }],
    });
    expect(open.ok ? 0 : open.waitMs).toBe(60_000);
    expect(
      (await readProviderStatus(redises[0]!, statusConfig(["groq"], 1), clock))[0]!.keys[0]!
        .breaker,
    ).toBe("open");

    clock += 60_000;
    // Half-open: two processes race; exactly one gets the probe.
    const other = orchestrator(keys("groq", 1));
    const [a, b] = await Promise.all([
      o.acquire("groq", { estTokens: 1 }),
      other.acquire("groq", { estTokens: 1 }),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const probe = (a.ok ? a : b.ok ? b : undefined)!.lease;
    expect(probe.probe).toBe(true);
    expect(
      (await readProviderStatus(redises[0]!, statusConfig(["groq"], 1), clock))[0]!.keys[0]!
        .breaker,
    ).toBe("half_open");
    await o.settle(probe, { outcome: "ok", latencyMs: 10, tokens: 5 });
    const after = await o.acquire("groq", { estTokens: 1 });
    expect(after.ok).toBe(true);
    expect(after.ok && after.lease.probe).toBe(false);
  });

  test("a failed probe opens the breaker again for another period", async () => {
    const o = orchestrator(keys("groq", 1), { breaker: { ...BREAKER, failureThreshold: 1 } });
    await o.settle(await lease(o), { outcome: "fail", latencyMs: 10, tokens: 0 });
    clock += 60_000;
    const probe = await lease(o);
    expect(probe.probe).toBe(true);
    await o.settle(probe, { outcome: "fail", latencyMs: 10, tokens: 0 });
    const res = await o.acquire("groq", { estTokens: 1 });
    expect(res.ok).toBe(false);
    expect(res.ok ? 0 : res.waitMs).toBe(60_000);
  });

  test("429s and rejected requests never open it", async () => {
    const o = orchestrator(keys("groq", 1), { breaker: { ...BREAKER, failureThreshold: 2 } });
    for (let i = 0; i < 5; i++) {
      await o.settle(await lease(o), { outcome: "rate", latencyMs: 5, tokens: 0, retryAfterMs: 1 });
      clock += 2;
      await o.settle(await lease(o), { outcome: "neutral", latencyMs: 5, tokens: 0 });
    }
    const [status] = await readProviderStatus(redises[0]!, statusConfig(["groq"], 1), clock);
    expect(status!.keys[0]).toMatchObject({ breaker: "closed", consecutive_failures: 0 });
  });
});

describe("pauses and disabled keys", () => {
  test("a 429 pauses that key for its retry-after; the other key carries on", async () => {
    const o = orchestrator(keys("groq", 2));
    const first = await lease(o);
    await o.settle(first, { outcome: "rate", latencyMs: 5, tokens: 0, retryAfterMs: 7000 });
    for (let i = 0; i < 10; i++) {
      const l = await lease(o);
      expect(l.keyId).not.toBe(first.keyId);
      await o.settle(l, { outcome: "ok", latencyMs: 5, tokens: 10 });
    }
    clock += 7000;
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const l = await lease(o);
      seen.add(l.keyId);
      await o.settle(l, { outcome: "ok", latencyMs: 5, tokens: 10 });
    }
    expect(seen.has(first.keyId)).toBe(true);
  });

  test("both keys paused: a wait until the first one is free, nothing reserved", async () => {
    const o = orchestrator(keys("groq", 2));
    const a = await lease(o);
    const b = await o.acquire("groq", { estTokens: 1, exclude: new Set([a.keyId]) });
    await o.settle(a, { outcome: "rate", latencyMs: 5, tokens: 0, retryAfterMs: 3000 });
    await o.settle(b.ok ? b.lease : a, {
      outcome: "rate",
      latencyMs: 5,
      tokens: 0,
      retryAfterMs: 9000,
    });
    const res = await o.acquire("groq", { estTokens: 1 });
    expect(res).toMatchObject({ ok: false, waitMs: 3000 });
    expect(res.ok ? [] : res.blocks.map((x) => x.kind)).toEqual(["throttled", "throttled"]);
  });

  test("a 401 disables the key with its reason; after the rest it gets one probe", async () => {
    const o = orchestrator(keys("groq", 2));
    const l = await lease(o);
    await o.settle(l, {
      outcome: "auth",
      latencyMs: 5,
      tokens: 0,
      reason: `${l.keyId}: HTTP 401 credentials rejected`,
    });
    const [status] = await readProviderStatus(redises[0]!, statusConfig(["groq"], 2), clock);
    const key = status!.keys.find((k) => k.id === l.keyId)!;
    expect(key).toMatchObject({
      enabled: false,
      disabled_reason: `${l.keyId}: HTTP 401 credentials rejected`,
    });
    for (let i = 0; i < 10; i++) {
      const other = await lease(o);
      expect(other.keyId).not.toBe(l.keyId);
      await o.settle(other, { outcome: "ok", latencyMs: 5, tokens: 1 });
    }
    clock += 30_000;
    const probe = await lease(o);
    expect(probe).toMatchObject({ keyId: l.keyId, probe: true });
    await o.settle(probe, { outcome: "ok", latencyMs: 5, tokens: 1 });
    const [again] = await readProviderStatus(redises[0]!, statusConfig(["groq"], 2), clock);
    expect(again!.keys.find((k) => k.id === l.keyId)).toMatchObject({
      enabled: true,
      disabled_reason: null,
    });
  });

  test("every key revoked: the wait says so", async () => {
    const o = orchestrator(keys("groq", 1));
    await o.settle(await lease(o), { outcome: "auth", latencyMs: 5, tokens: 0, reason: "401" });
    const res = await o.acquire("groq", { estTokens: 1 });
    expect(res.ok ? [] : res.blocks.map((b) => b.kind)).toEqual(["revoked"]);
  });
});

describe("limits", () => {
  test("requests per minute: a sliding 60 s window", async () => {
    const o = orchestrator(keys("groq", 1, { ...NO_LIMITS, rpm: 3 }));
    for (let i = 0; i < 3; i++) {
      await o.settle(await lease(o), { outcome: "ok", latencyMs: 5, tokens: 10 });
      clock += 1000;
    }
    const res = await o.acquire("groq", { estTokens: 1 });
    expect(res).toMatchObject({ ok: false, blocks: [{ kind: "throttled" }] });
    // The first request leaves the window 60 s after it was made.
    expect(res.ok ? 0 : res.waitMs).toBeLessThanOrEqual(58_000);
    clock += res.ok ? 0 : res.waitMs;
    expect((await o.acquire("groq", { estTokens: 1 })).ok).toBe(true);
  });

  test("the window's sums stay exact as it slides, over minutes of calls", async () => {
    // A model of the provider's window: every call of the last 60 s, by second.
    const ks = keys("groq", 1, { ...NO_LIMITS, rpm: 50, tpm: 5_000 });
    const o = orchestrator(ks);
    const made: { at: number; tokens: number }[] = [];
    const inWindow = () =>
      made.filter((c) => Math.floor(c.at / 1000) > Math.floor(clock / 1000) - 61);
    for (let i = 0; i < 400; i++) {
      clock += 137 + ((i * 7919) % 900); // uneven steps, some seconds skipped
      const tokens = 10 + ((i * 31) % 90);
      const open = inWindow();
      const fits =
        open.length + 1 <= 50 && open.reduce((n, c) => n + c.tokens, 0) + tokens <= 5_000;
      const res = await o.acquire("groq", { estTokens: tokens });
      expect(res.ok).toBe(fits);
      if (!res.ok) continue;
      // Some calls use fewer tokens than estimated, some are released unused.
      if (i % 5 === 0) {
        await o.settle(res.lease, { outcome: "release", latencyMs: 0, tokens: 0 });
      } else {
        const real = i % 3 === 0 ? tokens - 5 : tokens;
        await o.settle(res.lease, { outcome: "ok", latencyMs: 5, tokens: real });
        made.push({ at: clock, tokens: real });
      }
    }
    const redis = redises[0]!;
    const minute = await redis.hgetall(`${prefix}:orch:min:groq#1`);
    const open = inWindow();
    expect(Number(minute.R)).toBe(open.length);
    expect(Number(minute.T)).toBe(open.reduce((n, c) => n + c.tokens, 0));
    // Buckets that left the window are gone: at most 61 seconds' worth, two fields each.
    expect(Object.keys(minute).length).toBeLessThanOrEqual(3 + 2 * 61);
  });

  test("a minute hash without sums (written by an earlier version) is summed once", async () => {
    const o = orchestrator(keys("groq", 1, { ...NO_LIMITS, rpm: 3 }));
    const sec = Math.floor(clock / 1000);
    await redises[0]!.hset(`${prefix}:orch:min:groq#1`, {
      [`r${sec - 100}`]: 7, // left the window long ago
      [`t${sec - 100}`]: 70,
      [`r${sec - 30}`]: 2,
      [`t${sec - 30}`]: 20,
    });
    await lease(o); // 2 in the window + this one = 3
    expect((await o.acquire("groq", { estTokens: 1 })).ok).toBe(false);
    const minute = await redises[0]!.hgetall(`${prefix}:orch:min:groq#1`);
    expect(minute[`r${sec - 100}`]).toBeUndefined();
    expect(minute).toMatchObject({ R: "3" });
  });

  test("a key without per-minute limits keeps only the last minute's buckets", async () => {
    const o = orchestrator(keys("groq", 1));
    for (let i = 0; i < 300; i++) {
      await o.settle(await lease(o), { outcome: "ok", latencyMs: 5, tokens: 10 });
      clock += 1000;
    }
    const minute = await redises[0]!.hgetall(`${prefix}:orch:min:groq#1`);
    expect(Object.keys(minute).length).toBeLessThanOrEqual(3 + 2 * 61);
    expect(Number(minute.R)).toBeLessThanOrEqual(61);
  });

  test("tokens per minute count the estimate until the real figure settles it", async () => {
    const o = orchestrator(keys("groq", 1, { ...NO_LIMITS, tpm: 1000 }));
    const a = await lease(o, "groq", 600);
    expect((await o.acquire("groq", { estTokens: 600 })).ok).toBe(false);
    await o.settle(a, { outcome: "ok", latencyMs: 5, tokens: 200 });
    expect((await o.acquire("groq", { estTokens: 600 })).ok).toBe(true);
  });

  test("processes racing on a daily limit of N get exactly N calls", async () => {
    const N = 25;
    const ks = keys("groq", 1, { ...NO_LIMITS, rpd: N });
    const racers = [orchestrator(ks), orchestrator(ks), orchestrator(ks), orchestrator(ks)];
    const results = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        racers[i % racers.length]!.acquire("groq", { estTokens: 1 }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(N);
    const blocked = results.find((r) => !r.ok);
    expect(blocked).toMatchObject({
      ok: false,
      blocks: [{ kind: "exhausted", reason: "daily request limit reached" }],
    });
    const [status] = await readProviderStatus(
      redises[0]!,
      statusConfig(["groq"], 1, { rpd: N }),
      clock,
    );
    expect(status!.keys[0]!.usage_today).toMatchObject({ requests: N, percent: 100 });
  });

  test("the day's usage starts from Postgres after Redis lost it", async () => {
    const o = orchestrator(keys("groq", 1, { ...NO_LIMITS, rpd: 10 }));
    for (let i = 0; i < 9; i++) {
      await recordProviderUsage(db, {
        provider: "groq",
        keyId: "groq#1",
        ok: true,
        promptTokens: 1,
        completionTokens: 1,
        at: new Date(clock),
      });
    }
    expect((await o.acquire("groq", { estTokens: 1 })).ok).toBe(true);
    expect((await o.acquire("groq", { estTokens: 1 })).ok).toBe(false);
  });

  test("alerts at 80, 90 and 100 % of a daily limit fire once each", async () => {
    const alerts: AlertEvent[] = [];
    const o = orchestrator(keys("groq", 1, { ...NO_LIMITS, rpd: 10 }), { alerts });
    for (let i = 0; i < 10; i++) {
      await o.settle(await lease(o), { outcome: "ok", latencyMs: 5, tokens: 1 });
    }
    expect(alerts.map((a) => a.threshold)).toEqual([80, 90, 100]);
    const [status] = await readProviderStatus(
      redises[0]!,
      statusConfig(["groq"], 1, { rpd: 10 }),
      clock,
    );
    expect(status!.keys[0]!.alerts.map((a) => a.threshold)).toEqual([80, 90, 100]);
    expect(status!.keys[0]!.alerts[0]!.at).toBe(new Date(clock).toISOString());
    expect(utcDay(clock)).toBe(new Date(clock).toISOString().slice(0, 10));
  });
});

describe("selection", () => {
  test("a slower or less healthy key gets less traffic", async () => {
    const o = orchestrator(keys("groq", 3));
    // Teach it: #1 fast, #2 slow (1.5 s), #3 fast but failing half the time.
    const teach = async (keyId: string, outcome: "ok" | "fail", latencyMs: number) => {
      for (;;) {
        const l = await lease(o);
        if (l.keyId === keyId) return o.settle(l, { outcome, latencyMs, tokens: 1 });
        await o.settle(l, { outcome: "release", latencyMs: 0, tokens: 0 });
      }
    };
    for (let i = 0; i < 5; i++) {
      await teach("groq#1", "ok", 20);
      await teach("groq#2", "ok", 1500);
      await teach("groq#3", i % 2 ? "ok" : "fail", 20);
    }
    const counts: Record<string, number> = { "groq#1": 0, "groq#2": 0, "groq#3": 0 };
    for (let i = 0; i < 300; i++) {
      const l = await lease(o);
      counts[l.keyId]!++;
      await o.settle(l, { outcome: "release", latencyMs: 0, tokens: 0 });
    }
    expect(counts["groq#1"]!).toBeGreaterThan(counts["groq#2"]! * 3);
    expect(counts["groq#1"]!).toBeGreaterThan(counts["groq#3"]! * 3);
    // The worse keys still get some calls, so their health keeps being measured.
    expect(counts["groq#2"]! + counts["groq#3"]!).toBeGreaterThan(0);
  });
});

function statusConfig(
  providers: ProviderName[],
  n: number,
  limits: Partial<typeof NO_LIMITS> = {},
) {
  return {
    queuePrefix: prefix,
    providers: providers.map((name) => ({
      name,
      keys: Array.from({ length: n }, (_, i) => `secret-${i}`),
      model: "m",
      baseUrl: undefined,
      limits: { ...NO_LIMITS, ...limits },
    })),
  };
}
