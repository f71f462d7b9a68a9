import type { Redis } from "ioredis";
import type { Config, ProviderConfig, ProviderLimits } from "@qforge/config";
import type { ProviderName } from "@qforge/providers";
import { redisKeys, UNHEALTHY_AFTER, utcDay } from "./orchestrator.ts";

/** Public ids of a provider's keys, by position in its variable: `groq#1`, `groq#2` … */
export function keyIdsOf(p: Pick<ProviderConfig, "name" | "keys">): string[] {
  return p.keys.map((_, i) => `${p.name}#${i + 1}`);
}

export interface KeyStatus {
  id: string;
  enabled: boolean;
  disabled_reason: string | null;
  breaker: "closed" | "open" | "half_open";
  health: number;
  healthy: boolean;
  consecutive_failures: number;
  latency_ms: number | null;
  paused_until: string | null;
  usage_today: { requests: number; tokens: number; percent: number };
  limits: ProviderLimits;
  alerts: { threshold: number; at: string }[];
}

export interface ProviderStatus {
  name: ProviderName;
  enabled: boolean;
  model: string;
  keys: KeyStatus[];
}

const num = (v: string | null | undefined, d = 0) => {
  const n = v === null || v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : d;
};

/** Percent of the tightest daily limit used, 0..100 (0 when the key has no daily limit). */
export function dailyPercent(limits: ProviderLimits, requests: number, tokens: number): number {
  let used = 0;
  if (limits.rpd > 0) used = Math.max(used, requests / limits.rpd);
  if (limits.tpd > 0) used = Math.max(used, tokens / limits.tpd);
  return Math.min(100, Math.round(used * 1000) / 10);
}

/** What `GET /api/v1/providers` shows: every configured provider and key, read from Redis. */
export async function readProviderStatus(
  redis: Redis,
  config: Pick<Config, "queuePrefix" | "providers">,
  now = Date.now(),
): Promise<ProviderStatus[]> {
  const day = utcDay(now);
  const pipeline = redis.pipeline();
  const entries = config.providers.flatMap((p) =>
    keyIdsOf(p).map((id) => ({ provider: p, id, rk: redisKeys(config.queuePrefix, id, day) })),
  );
  for (const e of entries) {
    pipeline.hgetall(e.rk.state);
    pipeline.hmget(e.rk.day, "r", "t");
    pipeline.hgetall(e.rk.alerts);
  }
  const results = (await pipeline.exec()) ?? [];
  const keyStatus = new Map<string, KeyStatus>();
  entries.forEach((e, i) => {
    const s = (results[i * 3]?.[1] ?? {}) as Record<string, string>;
    const [r, t] = (results[i * 3 + 1]?.[1] ?? []) as (string | null)[];
    const alerts = (results[i * 3 + 2]?.[1] ?? {}) as Record<string, string>;
    const openedUntil = num(s.opened_until);
    const state = s.state ?? "closed";
    const breaker =
      state === "open"
        ? now >= openedUntil
          ? "half_open"
          : "open"
        : (state as KeyStatus["breaker"]);
    const okE = num(s.ok, 1);
    const lastFail = num(s.last_fail);
    const health = 1 - (1 - okE) * Math.exp(-(now - lastFail) / 60000);
    const fails = num(s.fails);
    const requests = Math.max(0, num(r));
    const tokens = Math.max(0, num(t));
    const pausedUntil = num(s.paused_until);
    keyStatus.set(e.id, {
      id: e.id,
      enabled: s.disabled !== "1",
      disabled_reason: s.disabled === "1" ? s.disabled_reason || "credentials rejected" : null,
      breaker: breaker === "half_open" || breaker === "open" ? breaker : "closed",
      health: Math.round(Math.max(0, Math.min(1, health)) * 1000) / 1000,
      healthy: fails < UNHEALTHY_AFTER,
      consecutive_failures: fails,
      latency_ms: s.lat === undefined ? null : Math.round(num(s.lat)),
      paused_until: pausedUntil > now ? new Date(pausedUntil).toISOString() : null,
      usage_today: {
        requests,
        tokens,
        percent: dailyPercent(e.provider.limits, requests, tokens),
      },
      limits: e.provider.limits,
      alerts: Object.entries(alerts)
        .map(([threshold, at]) => ({
          threshold: Number(threshold),
          at: new Date(num(at)).toISOString(),
        }))
        .sort((a, b) => a.threshold - b.threshold),
    });
  });
  return config.providers.map((p) => {
    const keys = keyIdsOf(p).map((id) => keyStatus.get(id)!);
    return { name: p.name, enabled: keys.some((k) => k.enabled), model: p.model, keys };
  });
}
