import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Config, ProviderLimits } from "@qforge/config";
import type { Database } from "@qforge/database";
import type { ProviderErrorKind, ProviderKeyClient, ProviderName } from "@qforge/providers";
import { ACQUIRE, SEED, SETTLE } from "./scripts.ts";

/** A key is unhealthy after this many failures in a row (the figure; not configurable). */
export const UNHEALTHY_AFTER = 5;
/** Response time at which the latency part of the score has fallen to 1/e. */
const LATENCY_SCALE_MS = 1000;
/** Softmax temperature of the selection: a 0.1 gap in score gives about 1 call in 7. */
const TEMPERATURE = 0.05;
/** How long one `retry-after`-less 429 pauses a key. */
const DEFAULT_PAUSE_MS = 5000;

/** Why a key or provider cannot take a call now. */
export type BlockKind = "throttled" | "exhausted" | "down" | "revoked" | "excluded";

export interface KeyBlock {
  keyId: string;
  reason: string;
  kind: BlockKind;
  /** When it may take calls again (epoch ms). */
  untilMs: number;
}

export interface Lease {
  provider: ProviderName;
  keyId: string;
  client: ProviderKeyClient;
  probe: boolean;
  estTokens: number;
  /** The share (0..1) of its tightest limit (per minute or per day) the key had used. */
  used: number;
  /** Internal: which reservation to settle. */
  readonly reservation: { id: string; second: number; index: number };
}

export type AcquireResult =
  { ok: true; lease: Lease } | { ok: false; waitMs: number; blocks: KeyBlock[] };

export type Outcome = "ok" | "fail" | "rate" | "auth" | "neutral" | "release";

export interface SettleInput {
  outcome: Outcome;
  latencyMs: number;
  tokens: number;
  retryAfterMs?: number;
  reason?: string;
}

export interface AlertEvent {
  provider: ProviderName;
  keyId: string;
  threshold: number;
}

export interface OrchestratorKey {
  provider: ProviderName;
  keyId: string;
  client: ProviderKeyClient;
  limits: ProviderLimits;
}

export interface OrchestratorOptions {
  /** How long a key whose credentials were rejected rests before one probe call. */
  keyReprobeMs: number;
  onAlert?: (alert: AlertEvent) => void;
  /** Test hook: the clock. */
  now?: () => number;
}

/** Maps a failed call to how it counts: 429 is a rate signal, 401/403 a revoked key. */
export function outcomeFor(kind: ProviderErrorKind | undefined): Exclude<Outcome, "release"> {
  switch (kind) {
    case "rate_limited":
      return "rate";
    case "auth":
      return "auth";
    case "bad_request":
    case "aborted":
      return "neutral";
    default:
      // timeout, server, connection, invalid_output: the key is failing.
      return "fail";
  }
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function nextUtcMidnight(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/** Calls by outcome and latency buckets of every key (fields `key|outcome`, `key|le|ms`). */
export function statsKey(prefix: string): string {
  return `${prefix}:orch:stats`;
}

/** Named as commands on the client (ioredis `defineCommand`); the first argument is the key count. */
const SCRIPTS = { qforgeAcquire: ACQUIRE, qforgeSettle: SETTLE, qforgeSeed: SEED } as const;

export function redisKeys(prefix: string, keyId: string, day: string) {
  return {
    state: `${prefix}:orch:state:${keyId}`,
    minute: `${prefix}:orch:min:${keyId}`,
    day: `${prefix}:orch:day:${day}:${keyId}`,
    alerts: `${prefix}:orch:alerts:${day}:${keyId}`,
  };
}

/**
 * The shared brain of every worker process: health, circuit breakers, pauses, per-minute and
 * daily limits of every provider key, kept in Redis and changed only by atomic scripts.
 */
export class Orchestrator {
  private readonly byProvider = new Map<ProviderName, OrchestratorKey[]>();
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly db: Database,
    private readonly config: Pick<Config, "queuePrefix" | "breaker" | "providerTimeoutMs">,
    keys: OrchestratorKey[],
    private readonly options: OrchestratorOptions,
  ) {
    this.now = options.now ?? Date.now;
    // The scripts go by their SHA1 (EVALSHA, and EVAL only when the server lacks them, after a
    // restart say): sending a few kilobytes of Lua with every call cost more than running it.
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { lua });
    }
    for (const k of keys) {
      const list = this.byProvider.get(k.provider) ?? [];
      list.push(k);
      this.byProvider.set(k.provider, list);
    }
  }

  private get scripts(): Record<
    keyof typeof SCRIPTS,
    (...args: (string | number)[]) => Promise<unknown>
  > {
    return this.redis as unknown as Record<
      keyof typeof SCRIPTS,
      (...args: (string | number)[]) => Promise<unknown>
    >;
  }

  providers(): ProviderName[] {
    return [...this.byProvider.keys()];
  }

  keysOf(provider: ProviderName): readonly OrchestratorKey[] {
    return this.byProvider.get(provider) ?? [];
  }

  /**
   * Reserves one call on the best key of `provider` that can take it now, or says how long until
   * one can. `peek` reserves nothing. `exclude` lists key ids that already failed this job.
   */
  async acquire(
    provider: ProviderName,
    opts: { estTokens: number; exclude?: ReadonlySet<string>; peek?: boolean },
  ): Promise<AcquireResult> {
    const keys = this.keysOf(provider);
    if (keys.length === 0) return { ok: false, waitMs: Infinity, blocks: [] };
    const reservationId = randomUUID();
    for (let round = 0; round < 3; round++) {
      const now = this.now();
      const day = utcDay(now);
      const redisArgs: (string | number)[] = [];
      for (const k of keys) {
        const rk = redisKeys(this.config.queuePrefix, k.keyId, day);
        redisArgs.push(rk.state, rk.minute, rk.day, rk.alerts);
      }
      const argv: (string | number)[] = [
        now,
        keys.length,
        Math.random(),
        opts.estTokens,
        reservationId,
        this.config.breaker.openMs,
        this.config.providerTimeoutMs + 5000,
        UNHEALTHY_AFTER,
        LATENCY_SCALE_MS,
        TEMPERATURE,
        nextUtcMidnight(now),
        opts.peek ? 1 : 0,
      ];
      for (const k of keys) {
        argv.push(
          k.limits.rpm,
          k.limits.rpd,
          k.limits.tpm,
          k.limits.tpd,
          opts.exclude?.has(k.keyId) ? 1 : 0,
        );
      }
      const res = (await this.scripts.qforgeAcquire(redisArgs.length, ...redisArgs, ...argv)) as [
        string,
        number | string,
        number?,
        number?,
        number?,
      ];
      if (res[0] === "seed") {
        await this.seedDay(provider, keys, day);
        continue;
      }
      if (res[0] === "ok") {
        const index = Number(res[1]) - 1;
        const key = keys[index]!;
        return {
          ok: true,
          lease: {
            provider,
            keyId: key.keyId,
            client: key.client,
            probe: Number(res[2]) === 1,
            estTokens: opts.estTokens,
            used: Number(res[4] ?? 1000) / 1000,
            reservation: { id: reservationId, second: Number(res[3]), index },
          },
        };
      }
      const raw = JSON.parse(String(res[1])) as {
        index: number;
        reason: string;
        until_ms: number;
        kind: BlockKind;
      }[];
      const blocks = (Array.isArray(raw) ? raw : []).map((b) => ({
        keyId: keys[b.index - 1]!.keyId,
        reason: b.reason,
        kind: b.kind,
        untilMs: b.until_ms,
      }));
      const earliest = Math.min(...blocks.map((b) => b.untilMs));
      return { ok: false, waitMs: Math.max(1, earliest - now), blocks };
    }
    throw new Error("could not seed the daily usage of provider keys");
  }

  /** Records how a leased call went; fires the day's 80/90/100% alerts once each. */
  async settle(lease: Lease, input: SettleInput): Promise<void> {
    const key = this.keysOf(lease.provider)[lease.reservation.index]!;
    const now = this.now();
    // The reservation belongs to the day it was made on.
    const day = utcDay(lease.reservation.second * 1000);
    const rk = redisKeys(this.config.queuePrefix, lease.keyId, day);
    const fired = (await this.scripts.qforgeSettle(
      5,
      rk.state,
      rk.minute,
      rk.day,
      rk.alerts,
      statsKey(this.config.queuePrefix),
      now,
      input.outcome,
      Math.max(0, Math.round(input.latencyMs)),
      lease.estTokens,
      Math.max(0, Math.round(input.tokens)),
      lease.reservation.second,
      lease.reservation.id,
      input.retryAfterMs ?? DEFAULT_PAUSE_MS,
      this.config.breaker.failureThreshold,
      this.config.breaker.openMs,
      this.config.breaker.successThreshold,
      this.options.keyReprobeMs,
      (input.reason ?? "").slice(0, 200),
      key.limits.rpd,
      key.limits.tpd,
      lease.keyId,
    )) as number[];
    for (const threshold of fired ?? []) {
      this.options.onAlert?.({ provider: lease.provider, keyId: lease.keyId, threshold });
    }
  }

  /** A day's usage in Redis starts from what Postgres recorded (after a Redis restart, say). */
  private async seedDay(
    provider: ProviderName,
    keys: readonly OrchestratorKey[],
    day: string,
  ): Promise<void> {
    const rows = await this.db.$queryRaw<{ key: string; requests: number; tokens: number }[]>`
      SELECT key, requests, tokens FROM ai_provider_usage
      WHERE provider = ${provider} AND day = ${day}::date`;
    const byKey = new Map(rows.map((r) => [r.key, r]));
    await Promise.all(
      keys.map((k) => {
        const row = byKey.get(k.keyId);
        const rk = redisKeys(this.config.queuePrefix, k.keyId, day);
        return this.scripts.qforgeSeed(1, rk.day, row?.requests ?? 0, row?.tokens ?? 0);
      }),
    );
  }
}
