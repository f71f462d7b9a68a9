import { Redis } from "ioredis";
import type { Database } from "@qforge/database";
import { startFakeProvider, type FakeProvider, type Behaviour } from "../fake-provider/server.ts";
import { spawnWorker, workerReady, type AppProcess } from "./processes.ts";
import { TEST_REDIS_URL } from "./services.ts";
import { eventually, startSystem, type TestSystem } from "./system.ts";

// The API in this process and worker processes started and killed by the test, all on one
// database and one Redis prefix of the test file's own, with one Groq key at a fake provider.

export const FAULT_GROQ_KEY = "gsk_fake_fault_tests_key_00000000000";

export interface Cluster {
  sys: TestSystem;
  fake: FakeProvider;
  /** The environment a worker process of this cluster gets (override per process). */
  workerEnv: Record<string, string>;
  workers: AppProcess[];
  startWorker(env?: Record<string, string>): Promise<AppProcess>;
  close(): Promise<void>;
}

export async function startCluster(
  opts: {
    env?: Record<string, string>;
    /** The fake provider's answer by default. */
    behaviour?: Behaviour;
    /** Redis for the system (default: the shared test Redis). */
    redisUrl?: string;
  } = {},
): Promise<Cluster> {
  const fake = await startFakeProvider({
    defaultBehaviour: opts.behaviour ?? { kind: "questions" },
  });
  const redisUrl = opts.redisUrl ?? TEST_REDIS_URL;
  const env = {
    GROQ_API_KEYS: FAULT_GROQ_KEY,
    GROQ_BASE_URL: fake.url,
    // No rate limits: these tests are about faults, not quotas.
    GROQ_RPM: "0",
    GROQ_RPD: "0",
    GROQ_TPM: "0",
    GROQ_TPD: "0",
    JOB_BACKOFF_MS: "100",
    REDIS_URL: redisUrl,
    ...opts.env,
  };
  const sys = await startSystem(env, { workers: false });
  const workers: AppProcess[] = [];
  const workerEnv: Record<string, string> = {
    ...env,
    DATABASE_URL: sys.config.databaseUrl,
    QUEUE_PREFIX: sys.config.queuePrefix,
    LOG_LEVEL: "info",
  };
  return {
    sys,
    fake,
    workerEnv,
    workers,
    async startWorker(extra = {}) {
      const w = spawnWorker({ ...workerEnv, ...extra });
      workers.push(w);
      await workerReady(w, 30_000);
      return w;
    },
    async close() {
      for (const w of workers) w.kill();
      await Promise.all(workers.map((w) => w.exited));
      await sys.close();
      await fake.close();
    },
  };
}

/** Submits a batch through the API; returns its id. */
export async function submitBatch(
  sys: TestSystem,
  items: unknown[],
  extra: { webhook_url?: string } = {},
): Promise<string> {
  const res = await sys.call("/api/v1/batches", { method: "POST", body: { items, ...extra } });
  if (res.status !== 202)
    throw new Error(`batch refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export const countCompleted = (db: Database, batchId: string) =>
  db.job.count({ where: { batchId, status: "completed" } });

/** Waits for the batch to end (completed or cancelled); returns its row. */
export function batchEnded(db: Database, batchId: string, timeoutMs = 60_000) {
  return eventually(
    async () => {
      const b = await db.batch.findUnique({ where: { id: batchId } });
      return b && (b.status === "completed" || b.status === "cancelled") ? b : undefined;
    },
    timeoutMs,
    200,
  );
}

export interface Exactness {
  jobs: number;
  completed: number;
  /** Jobs whose number of stored questions is not their question_count. */
  wrongCount: number;
  /** Rows that repeat a (job, position) or a (job, normalized text). */
  duplicates: number;
  questionRows: number;
  expectedRows: number;
}

/**
 * What a batch left in Postgres, counted by SQL rather than through the API: each job's rows
 * against its question_count, and any repeated row.
 */
export async function exactness(db: Database, batchId: string): Promise<Exactness> {
  const [row] = await db.$queryRaw<
    {
      jobs: number;
      completed: number;
      wrong_count: number;
      question_rows: number;
      expected_rows: number;
    }[]
  >`
    WITH per_job AS (
      SELECT j.id, j.status, (j.request->>'question_count')::int AS wanted,
             (SELECT count(*)::int FROM questions q WHERE q.job_id = j.id) AS stored
      FROM jobs j WHERE j.batch_id = ${batchId}::uuid)
    SELECT count(*)::int AS jobs,
           count(*) FILTER (WHERE status = 'completed')::int AS completed,
           count(*) FILTER (WHERE stored <> wanted)::int AS wrong_count,
           COALESCE(sum(stored), 0)::int AS question_rows,
           COALESCE(sum(wanted), 0)::int AS expected_rows
    FROM per_job`;
  const [dups] = await db.$queryRaw<{ n: number }[]>`
    SELECT (
      (SELECT count(*) FROM (SELECT q.job_id, q.position FROM questions q
         JOIN jobs j ON j.id = q.job_id WHERE j.batch_id = ${batchId}::uuid
         GROUP BY 1, 2 HAVING count(*) > 1) a) +
      (SELECT count(*) FROM (SELECT q.job_id, q.normalized FROM questions q
         JOIN jobs j ON j.id = q.job_id WHERE j.batch_id = ${batchId}::uuid
         GROUP BY 1, 2 HAVING count(*) > 1) b))::int AS n`;
  return {
    jobs: row!.jobs,
    completed: row!.completed,
    wrongCount: row!.wrong_count,
    duplicates: dups!.n,
    questionRows: row!.question_rows,
    expectedRows: row!.expected_rows,
  };
}

/** Provider requests recorded in ai_provider_usage for the cluster's key, today. */
export async function recordedRequests(db: Database): Promise<number> {
  const rows = await db.$queryRaw<{ n: number }[]>`
    SELECT COALESCE(sum(requests), 0)::int AS n FROM ai_provider_usage`;
  return rows[0]!.n;
}

/** The BullMQ state of a job in the given queue, read directly from Redis. */
export async function bullState(
  redisUrl: string,
  prefix: string,
  queue: string,
  id: string,
): Promise<string> {
  const { Queue } = await import("bullmq");
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const q = new Queue(queue, { connection, prefix });
  try {
    return await q.getJobState(id);
  } finally {
    await q.close();
    connection.disconnect();
  }
}

/** Submits a lone job whose provider call takes `latencyMs`; resolves once the call started. */
export async function jobInFlight(c: Cluster, role: string, latencyMs: number): Promise<string> {
  c.fake.setRoleDefault(role, { kind: "questions", latencyMs });
  const before = c.fake.calls.length;
  const res = await c.sys.call("/api/v1/questions/generate", {
    method: "POST",
    body: { role, difficulty: "easy", question_count: 2, fresh: true },
  });
  if (res.status !== 202) {
    const errors = c.sys.logs.lines.filter((l) => l.includes('"level":"error"'));
    throw new Error(
      `submit answered ${res.status}: ${JSON.stringify(res.body)}\n${errors.join("\n")}`,
    );
  }
  await eventually(async () => c.fake.calls.length > before, 30_000, 20);
  return res.body.id as string;
}
