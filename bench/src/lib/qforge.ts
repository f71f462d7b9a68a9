// qforge as production runs it: the API and N worker processes, configured by env, against a
// fresh database, a key prefix of their own and the fake provider in its own process.
import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import type { PidGroups } from "./cpu.ts";
import {
  ensureAlive,
  freePort,
  spawnNode,
  startFake,
  until,
  type FakeHandle,
  type Proc,
} from "./procs.ts";
import {
  deleteRedisPrefix,
  freshDatabase,
  REDIS_URL,
  redisServerInfo,
  uniquePrefix,
  type BenchDatabase,
} from "./services.ts";

export const CLIENT_KEY = `bench-client-${randomBytes(8).toString("hex")}`;

/** Limits high enough never to be the limit (the config's maxima are 1e9 and 1e12). */
export const NO_LIMITS = {
  GROQ_RPM: "1000000000",
  GROQ_RPD: "1000000000",
  GROQ_TPM: "1000000000000",
  GROQ_TPD: "1000000000000",
};

/** The throughput measures' settings: no limits, and the generation cache off (issue 7). */
export const THROUGHPUT_ENV = { ...NO_LIMITS, CACHE_TTL_SECONDS: "0" };

export interface QforgeOptions {
  workers: number;
  concurrency?: number;
  groqKeys?: string[];
  /** Extra env for the API and workers (e.g. GROQ_RPM). Default: NO_LIMITS. */
  env?: Record<string, string>;
  fake?: { rpm?: number };
  /** A stem for the key prefix. */
  name: string;
}

export interface Qforge {
  apiUrl: string;
  api: Proc;
  workers: Proc[];
  fake: FakeHandle;
  db: BenchDatabase;
  pool: pg.Pool;
  prefix: string;
  env: Record<string, string>;
  /** An authenticated call to the API. */
  call(
    path: string,
    init?: { method?: string; body?: unknown },
  ): Promise<{ status: number; body: any }>;
  /** Starts more worker processes and waits until they serve the queue. */
  addWorkers(n: number): Promise<Proc[]>;
  /** Processes by component, for CPU sampling. */
  pidGroups: PidGroups;
  close(): Promise<void>;
}

const fakeKeys = (n: number) =>
  Array.from({ length: n }, (_, i) => `gsk_bench_${i}_${randomBytes(6).toString("hex")}`);

export async function startQforge(opts: QforgeOptions): Promise<Qforge> {
  const cleanup: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
  };
  try {
    const fake = await startFake({ ...(opts.fake ?? {}), record: false });
    cleanup.push(() => fake.proc.stop(5000));
    const db = await freshDatabase();
    cleanup.push(() => db.drop());
    const prefix = uniquePrefix(opts.name);
    cleanup.push(() => deleteRedisPrefix(prefix));
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      HOST: "127.0.0.1",
      PORT: String(port),
      API_KEYS: CLIENT_KEY,
      API_RATE_LIMIT: "1000000",
      WEBHOOK_SECRET: `whsec_${randomBytes(32).toString("base64")}`,
      GROQ_API_KEYS: (opts.groqKeys ?? fakeKeys(1)).join(","),
      GROQ_BASE_URL: fake.url,
      GROQ_MODEL: "fake-model",
      WORKER_CONCURRENCY: String(opts.concurrency ?? 10),
      ...(opts.env ?? NO_LIMITS),
    };
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // An idle client whose connection Postgres ends must not crash the process.
    pool.on("error", () => {});
    cleanup.push(() => pool.end());

    const api = spawnNode("api", "apps/api/src/main.ts", env);
    cleanup.push(() => api.stop());
    const apiUrl = `http://127.0.0.1:${port}`;
    await until(
      "the API to be ready",
      async () => (await fetch(`${apiUrl}/readyz`)).ok,
      30_000,
      100,
      () => ensureAlive(api),
    );

    const workers: Proc[] = [];
    cleanup.push(() => Promise.all(workers.map((w) => w.stop())));
    const queue = new Queue("groq", {
      prefix,
      connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    });
    cleanup.push(() => queue.close());
    const addWorkers = async (n: number) => {
      const added = Array.from({ length: n }, (_, i) =>
        spawnNode(`worker#${workers.length + i + 1}`, "apps/worker/src/main.ts", env),
      );
      workers.push(...added);
      // Ready when BullMQ lists as many workers on the groq queue as we started.
      await until(
        `${workers.length} workers to serve the queue`,
        async () => (await queue.getWorkersCount()) >= workers.length,
        60_000,
        100,
        () => ensureAlive(...added),
      );
      return added;
    };
    if (opts.workers > 0) await addWorkers(opts.workers);

    const redisPid = (await redisServerInfo()).pid;
    const call: Qforge["call"] = async (path, init = {}) => {
      const res = await fetch(`${apiUrl}${path}`, {
        method: init.method ?? "GET",
        headers: {
          authorization: `Bearer ${CLIENT_KEY}`,
          ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body };
    };
    const pidGroups: PidGroups = async () => ({
      api: [api.pid],
      worker: workers.map((w) => w.pid),
      "fake provider": [fake.proc.pid],
      "bench driver": [process.pid],
      "redis-server": redisPid ? [redisPid] : [],
      postgres: await postgresPids(pool, db.name),
    });

    return {
      apiUrl,
      api,
      workers,
      fake,
      db,
      pool,
      prefix,
      env,
      call,
      addWorkers,
      pidGroups,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * Postgres processes doing this run's work: the backends connected to our database, plus the
 * shared background processes (WAL writer, checkpointer …), which also serve other databases.
 */
export async function postgresPids(pool: pg.Pool, dbName: string): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE (datname = $1 AND pid <> pg_backend_pid()) OR backend_type NOT IN ('client backend')`,
    [dbName],
  );
  return rows.map((r) => r.pid);
}

/** `n` generation requests that each take exactly one provider call (fresh: no cache, no bank). */
export function benchItems(n: number, stem = "Bench Role", count = 5) {
  return Array.from({ length: n }, (_, i) => ({
    role: `${stem} ${i % 97}`,
    difficulty: (["easy", "medium", "hard"] as const)[i % 3]!,
    question_count: count,
    fresh: true,
  }));
}

export async function submitBatch(q: Qforge, items: unknown[]): Promise<string> {
  const res = await q.call("/api/v1/batches", { method: "POST", body: { items } });
  if (res.status !== 202) {
    throw new Error(
      `POST /api/v1/batches: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`,
    );
  }
  return (res.body as { id: string }).id;
}

export interface BatchEnd {
  status: string;
  completed: number;
  failed: number;
  cancelled: number;
  /** When the last job ended (Postgres clock, epoch ms). */
  lastEndedAt: number;
}

/** Waits (polling Postgres, the record) until the batch has ended. */
export async function waitBatch(q: Qforge, batchId: string, timeoutMs: number): Promise<BatchEnd> {
  await until(
    `batch ${batchId} to end`,
    async () => {
      const { rows } = await q.pool.query<{ status: string }>(
        "SELECT status::text AS status FROM batches WHERE id = $1::uuid",
        [batchId],
      );
      const s = rows[0]?.status;
      return s === "completed" || s === "cancelled";
    },
    timeoutMs,
    100,
    () => ensureAlive(q.api, ...q.workers),
  );
  const { rows } = await q.pool.query<{
    status: string;
    completed: number;
    failed: number;
    cancelled: number;
    last: Date;
  }>(
    `SELECT b.status::text AS status, b.completed_count AS completed, b.failed_count AS failed,
            b.cancelled_count AS cancelled,
            (SELECT max(completed_at) FROM jobs WHERE batch_id = b.id) AS last
       FROM batches b WHERE b.id = $1::uuid`,
    [batchId],
  );
  const r = rows[0]!;
  return {
    status: r.status,
    completed: r.completed,
    failed: r.failed,
    cancelled: r.cancelled,
    lastEndedAt: r.last.getTime(),
  };
}
