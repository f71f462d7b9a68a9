import type { Queue } from "bullmq";
import type { RequestHandler } from "express";
import type { Redis } from "ioredis";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Config } from "@qforge/config";
import type { Database } from "@qforge/database";
import type { Logger } from "@qforge/logger";
import { LATENCY_BUCKETS_MS, readProviderStatus, statsKey } from "@qforge/orchestrator";
import { BATCH_STATUSES, JOB_STATUSES } from "@qforge/schemas";
import { routeTemplate } from "./openapi.ts";

// GET /metrics (Prometheus text; every name starts with qforge_). Each metrics module registers
// its series on the API's registry; series read from a store (Postgres, Redis) are computed at
// scrape time through `cached()`, so a burst of scrapes costs one read, and bounded by
// SOURCE_TIMEOUT_MS, so a store that hangs cannot hang the scrape.
//
// To add a module (provider calls, breakers, quotas, webhook deliveries): write a
// `MetricsModule` and add it to METRICS_MODULES below (or pass it to createMetrics).

export const METRIC_PREFIX = "qforge_";
const SOURCE_TIMEOUT_MS = 2_000;

export interface MetricsDeps {
  config: Config;
  db: Database;
  /** The API's fail-fast Redis connection. */
  redis: Redis;
  /** Every queue (providers and webhooks), under QUEUE_PREFIX. */
  queues: readonly Queue[];
  logger: Logger;
}

export type MetricsModule = (registry: Registry, deps: MetricsDeps) => void;

/**
 * `fn`'s last result while younger than `ttlMs`; concurrent callers share one call. A failure
 * (or a call slower than SOURCE_TIMEOUT_MS) yields undefined: the series is left out of that
 * scrape rather than reported wrong.
 */
export function cached<T>(ttlMs: number, fn: () => Promise<T>): () => Promise<T | undefined> {
  let value: { at: number; data: T } | undefined;
  let inFlight: Promise<T | undefined> | undefined;
  return () => {
    if (value && Date.now() - value.at < ttlMs) return Promise.resolve(value.data);
    inFlight ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const data = await Promise.race([
          fn(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("timed out")), SOURCE_TIMEOUT_MS);
          }),
        ]);
        value = { at: Date.now(), data };
        return data;
      } catch {
        return undefined;
      } finally {
        clearTimeout(timer);
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
}

/** Jobs and batches by state, from Postgres (the record), cached for 5 s. */
export const recordMetrics: MetricsModule = (registry, { db }) => {
  const read = cached(5_000, async () => {
    const [jobs, batches] = await Promise.all([
      db.$queryRaw<{ status: string; n: number }[]>`
        SELECT status::text AS status, count(*)::int AS n FROM jobs GROUP BY status`,
      db.$queryRaw<{ status: string; n: number }[]>`
        SELECT status::text AS status, count(*)::int AS n FROM batches GROUP BY status`,
    ]);
    return { jobs, batches };
  });
  const fill = (gauge: Gauge, states: readonly string[], rows: { status: string; n: number }[]) => {
    gauge.reset();
    for (const s of states) gauge.set({ state: s }, rows.find((r) => r.status === s)?.n ?? 0);
  };
  new Gauge({
    name: `${METRIC_PREFIX}jobs`,
    help: "Jobs in Postgres by state",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const data = await read();
      if (data) fill(this, JOB_STATUSES, data.jobs);
      else this.reset();
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}batches`,
    help: "Batches in Postgres by state",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const data = await read();
      if (data) fill(this, BATCH_STATUSES, data.batches);
      else this.reset();
    },
  });
};

const QUEUE_STATES = [
  "waiting",
  "prioritized",
  "active",
  "delayed",
  "waiting-children",
  "completed",
  "failed",
] as const;

/** BullMQ job counts per queue and state (completed/failed: the window Redis keeps). */
export const queueMetrics: MetricsModule = (registry, { queues }) => {
  const read = cached(2_000, () =>
    Promise.all(
      queues.map(async (q) => ({ queue: q.name, counts: await q.getJobCounts(...QUEUE_STATES) })),
    ),
  );
  new Gauge({
    name: `${METRIC_PREFIX}queue_jobs`,
    help: "BullMQ jobs per queue and state",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      const data = await read();
      for (const { queue, counts } of data ?? []) {
        for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
      }
    },
  });
};

/**
 * Per provider key, the state the workers share in Redis (the same read as GET /providers):
 * breaker, health, today's usage and its share of the tightest daily limit.
 */
export const providerStateMetrics: MetricsModule = (registry, { redis, config }) => {
  // One read per scrape for all of the gauges below (prom-client collects them concurrently).
  const read = cached(2_000, () => readProviderStatus(redis, config));
  type Key = NonNullable<Awaited<ReturnType<typeof read>>>[number]["keys"][number];
  const perKey = (
    name: string,
    help: string,
    extraLabel: string | undefined,
    fill: (set: (labels: Record<string, string>, v: number) => void, key: Key) => void,
  ) =>
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      labelNames: ["provider", "key", ...(extraLabel ? [extraLabel] : [])],
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of (await read()) ?? []) {
          for (const k of p.keys) {
            fill((labels, v) => this.set({ provider: p.name, key: k.id, ...labels }, v), k);
          }
        }
      },
    });
  perKey("provider_breaker_state", "1 for the key's current breaker state", "state", (set, k) => {
    for (const state of ["closed", "open", "half_open"])
      set({ state }, k.breaker === state ? 1 : 0);
  });
  perKey("provider_key_enabled", "1 while the key may be used", undefined, (set, k) =>
    set({}, k.enabled ? 1 : 0),
  );
  perKey("provider_key_health", "Health score 0..1", undefined, (set, k) => set({}, k.health));
  perKey("provider_usage_today", "Usage today (UTC) by kind", "kind", (set, k) => {
    set({ kind: "requests" }, k.usage_today.requests);
    set({ kind: "tokens" }, k.usage_today.tokens);
  });
  perKey(
    "provider_quota_used_percent",
    "Percent of the key's tightest daily limit used today",
    undefined,
    (set, k) => set({}, k.usage_today.percent),
  );
};

/** Today's 80/90/100 % daily-limit alerts per key (1 once passed). */
export const providerAlertMetrics: MetricsModule = (registry, { redis, config }) => {
  const read = cached(2_000, () => readProviderStatus(redis, config));
  new Gauge({
    name: `${METRIC_PREFIX}provider_quota_alerts`,
    help: "1 for each daily-limit threshold (80, 90, 100 %) a key has passed today (UTC)",
    labelNames: ["provider", "key", "threshold"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const p of (await read()) ?? []) {
        for (const k of p.keys) {
          for (const threshold of [80, 90, 100]) {
            const fired = k.alerts.some((a) => a.threshold === threshold);
            this.set({ provider: p.name, key: k.id, threshold: String(threshold) }, fired ? 1 : 0);
          }
        }
      }
    },
  });
};

interface MetricValue {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A metric whose values come whole from somewhere else (here: counters the workers keep in
 * Redis), registered through prom-client's own `get()` contract: its Counter and Histogram can
 * only be incremented or observed in this process.
 */
function externalMetric(
  registry: Registry,
  name: string,
  help: string,
  type: "counter" | "histogram",
  values: () => Promise<MetricValue[]>,
): void {
  registry.registerMetric({
    name,
    help,
    type,
    aggregator: "sum",
    async get() {
      return { name, help, type, aggregator: "sum", values: await values() };
    },
    reset() {},
  } as unknown as Parameters<Registry["registerMetric"]>[0]);
}

/**
 * Provider calls by outcome and their latency, per key, as every worker process counts them in
 * Redis (`statsKey`, written by the orchestrator's settle script).
 */
export const providerCallMetrics: MetricsModule = (registry, { redis, config }) => {
  const read = cached(2_000, () => redis.hgetall(statsKey(config.queuePrefix)));
  const byKey = async () => {
    const stats = (await read()) ?? {};
    const keys = new Map<string, Map<string, number>>();
    for (const [field, raw] of Object.entries(stats)) {
      const bar = field.indexOf("|");
      const key = field.slice(0, bar);
      const rest = field.slice(bar + 1);
      if (!keys.has(key)) keys.set(key, new Map());
      keys.get(key)!.set(rest, Number(raw) || 0);
    }
    return keys;
  };
  const labelsOf = (key: string) => ({ provider: key.split("#")[0] ?? key, key });

  externalMetric(
    registry,
    `${METRIC_PREFIX}provider_calls_total`,
    "Provider calls by outcome: ok, fail (timeout, 5xx, connection, unusable output), rate (429), auth (401/403), neutral",
    "counter",
    async () => {
      const out: MetricValue[] = [];
      for (const [key, fields] of await byKey()) {
        for (const outcome of ["ok", "fail", "rate", "auth", "neutral"]) {
          out.push({ labels: { ...labelsOf(key), outcome }, value: fields.get(outcome) ?? 0 });
        }
      }
      return out;
    },
  );
  const name = `${METRIC_PREFIX}provider_call_duration_seconds`;
  externalMetric(
    registry,
    name,
    "Provider call latency (answered or failed calls)",
    "histogram",
    async () => {
      const out: MetricValue[] = [];
      for (const [key, fields] of await byKey()) {
        const labels = labelsOf(key);
        let cumulative = 0;
        for (const le of LATENCY_BUCKETS_MS) {
          cumulative += fields.get(`le|${le}`) ?? 0;
          out.push({
            metricName: `${name}_bucket`,
            labels: { ...labels, le: le / 1000 },
            value: cumulative,
          });
        }
        cumulative += fields.get("le|inf") ?? 0;
        out.push({
          metricName: `${name}_bucket`,
          labels: { ...labels, le: "+Inf" },
          value: cumulative,
        });
        out.push({ metricName: `${name}_sum`, labels, value: (fields.get("sum") ?? 0) / 1000 });
        out.push({ metricName: `${name}_count`, labels, value: cumulative });
      }
      return out;
    },
  );
};

/** Webhook deliveries by status, from the delivery log in Postgres (cached 5 s). */
export const webhookMetrics: MetricsModule = (registry, { db }) => {
  const read = cached(
    5_000,
    () =>
      db.$queryRaw<{ status: string; n: number }[]>`
      SELECT status::text AS status, count(*)::int AS n FROM webhook_deliveries GROUP BY status`,
  );
  new Gauge({
    name: `${METRIC_PREFIX}webhook_deliveries`,
    help: "Webhook deliveries in Postgres by status",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      const rows = await read();
      this.reset();
      if (!rows) return;
      for (const status of ["pending", "delivered", "failed"]) {
        this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
      }
    },
  });
};

/** Every module /metrics serves. */
export const METRICS_MODULES: readonly MetricsModule[] = [
  recordMetrics,
  queueMetrics,
  providerStateMetrics,
  providerAlertMetrics,
  providerCallMetrics,
  webhookMetrics,
];

export interface Metrics {
  registry: Registry;
  /** Times every request; mount first. */
  http: RequestHandler;
  /** GET /metrics */
  handler: RequestHandler;
}

export function createMetrics(
  deps: MetricsDeps,
  modules: readonly MetricsModule[] = METRICS_MODULES,
): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  for (const register of modules) register(registry, deps);

  const labelNames = ["method", "route", "status"] as const;
  const requests = new Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: "HTTP requests by method, route template and status",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: "HTTP request latency by method, route template and status (SSE: the stream's life)",
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  const http: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    // Taken now: routers mounted below rewrite req.url while they run.
    // Paths outside the document share one label, so scans cannot blow up cardinality.
    const route = routeTemplate(req.path) ?? "unmatched";
    res.on("close", () => {
      const labels = {
        method: req.method,
        route,
        status: String(res.statusCode),
      };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };

  const handler: RequestHandler = async (_req, res) => {
    const text = await registry.metrics();
    res.setHeader("content-type", registry.contentType);
    res.send(text);
  };

  return { registry, http, handler };
}
