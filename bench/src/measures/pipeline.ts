// 1. Pipeline throughput: qforge vs a minimal BullMQ pipeline doing the same call and one INSERT.
import { Queue } from "bullmq";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { sampleCpu } from "../lib/cpu.ts";
import type { Measure } from "../lib/measure.ts";
import { ensureAlive, spawnNode, startFake, until, type Proc } from "../lib/procs.ts";
import { benchItems, startQforge, THROUGHPUT_ENV } from "../lib/qforge.ts";
import { check } from "../lib/results.ts";
import {
  deleteRedisPrefix,
  freshDatabase,
  REDIS_URL,
  redisServerInfo,
  uniquePrefix,
} from "../lib/services.ts";
import { round } from "../lib/stats.ts";
import { perJob, qforgeThroughput, runTimeoutMs, type Throughput } from "../lib/throughput.ts";
import { postgresPids } from "../lib/qforge.ts";

export const pipeline: Measure = {
  key: "pipeline",
  title: "Pipeline throughput",
  description:
    "N jobs of one provider call each (`question_count` 5 ≤ QUESTIONS_PER_CALL, `fresh: true`, " +
    "the cache off: `CACHE_TTL_SECONDS=0`), " +
    "submitted as one batch through the API, until every job is completed (time of the last " +
    "`completed_at`), with one worker process at WORKER_CONCURRENCY 10. Baseline: a bare BullMQ " +
    "worker process at the same concurrency whose processor makes the same chat-completions call " +
    "with groq-sdk to the same fake server and one INSERT into Postgres, fed by one `addBulk`. " +
    "Both run three times, alternating, after a warm-up of `warmJobs` (3,000) jobs each; the best run of each is compared.",
  async run(ctx) {
    const { pipelineJobs: n, concurrency } = ctx.sizes;
    // The machine is shared and noisy, and noise only ever slows a run down: each side runs
    // `rounds` times, alternating, and the best run of each is compared.
    const runs: { qforge: Throughput; minimal: Throughput }[] = [];
    for (let r = 1; r <= ctx.sizes.pipelineRounds; r++) {
      ctx.log(`round ${r}: qforge: ${n} jobs, 1 worker process, concurrency ${concurrency}`);
      const q = await startQforge({
        name: "pipe",
        workers: 1,
        concurrency,
        env: THROUGHPUT_ENV,
      });
      let qf: Throughput;
      try {
        qf = await qforgeThroughput(q, n, `Pipeline Role ${r}`, ctx.sizes.warmJobs);
      } finally {
        await q.close();
      }
      ctx.log(`round ${r}: qforge: ${qf.jobsPerSec} jobs/s; minimal pipeline: ${n} jobs`);
      const min = await minimalThroughput(n, concurrency, ctx.sizes.warmJobs);
      ctx.log(`round ${r}: minimal: ${min.jobsPerSec} jobs/s`);
      runs.push({ qforge: qf, minimal: min });
    }
    const best = (side: "qforge" | "minimal") =>
      runs.map((r) => r[side]).reduce((a, b) => (b.jobsPerSec > a.jobsPerSec ? b : a));
    const qforge = best("qforge");
    const minimal = best("minimal");
    const c = check({
      name: "jobs/s",
      unit: "jobs/s",
      qforge: qforge.jobsPerSec,
      baseline: minimal.jobsPerSec,
      baselineLabel: "bare BullMQ + SDK + INSERT",
      target: "ratio ≥ 0.6",
      pass: qforge.jobsPerSec / minimal.jobsPerSec >= 0.6,
    });
    return {
      pass: c.pass,
      checks: [c],
      data: {
        jobs: n,
        concurrency,
        rounds: runs.map((r) => ({
          qforge: r.qforge.jobsPerSec,
          minimal: r.minimal.jobsPerSec,
        })),
        qforge: { ...qforge, cpu: undefined },
        minimal: { ...minimal, cpu: undefined },
      },
    };
  },
};

async function minimalThroughput(
  n: number,
  concurrency: number,
  warm: number,
): Promise<Throughput> {
  const fake = await startFake({ record: false });
  const db = await freshDatabase();
  const prefix = uniquePrefix("min");
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  // An idle client whose connection Postgres ends must not crash the process.
  pool.on("error", () => {});
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue("minimal", { prefix, connection });
  let worker: Proc | undefined;
  try {
    await pool.query(
      `CREATE TABLE minimal_results (id bigserial PRIMARY KEY, job_id text NOT NULL,
         answer text NOT NULL, at timestamptz(3) NOT NULL DEFAULT clock_timestamp())`,
    );
    worker = spawnNode("minimal-worker", "bench/src/baseline/minimal-worker.ts", {
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      FAKE_URL: fake.url,
      API_KEY: `gsk_bench_min_${randomBytes(6).toString("hex")}`,
      CONCURRENCY: String(concurrency),
    });
    const w = worker;
    await until(
      "the minimal worker",
      async () => (await queue.getWorkersCount()) >= 1,
      30_000,
      100,
      () => ensureAlive(w),
    );
    const add = (items: unknown[], stem: string) =>
      queue.addBulk(
        items.map((data, i) => ({
          name: "generate",
          data,
          opts: {
            jobId: `${stem}-${i}`,
            removeOnComplete: { count: 1000 },
            removeOnFail: { count: 5000 },
          },
        })),
      );
    const rows = async () =>
      Number(
        (await pool.query<{ n: string }>("SELECT count(*) AS n FROM minimal_results")).rows[0]!.n,
      );
    await add(benchItems(warm, "Minimal Warmup"), "warm");
    await until(
      "the minimal warm-up",
      async () => (await rows()) >= warm,
      runTimeoutMs(warm),
      50,
      () => ensureAlive(w),
    );

    const redisPid = (await redisServerInfo()).pid;
    const sampler = sampleCpu(async () => ({
      worker: [w.pid],
      "fake provider": [fake.proc.pid],
      "bench driver": [process.pid],
      "redis-server": redisPid ? [redisPid] : [],
      postgres: await postgresPids(pool, db.name),
    }));
    await sampler.ready;
    const t0 = Date.now();
    await add(benchItems(n, "Minimal Role"), "run");
    await until(
      "the minimal run",
      async () => (await rows()) >= warm + n,
      runTimeoutMs(n),
      50,
      () => ensureAlive(w),
    );
    const cpu = await sampler.stop();
    const last = (await pool.query<{ last: Date }>("SELECT max(at) AS last FROM minimal_results"))
      .rows[0]!.last;
    const seconds = (last.getTime() - t0) / 1000;
    return {
      jobs: n,
      seconds: round(seconds),
      jobsPerSec: round(n / seconds, 1),
      cpu,
      cpuMsPerJob: perJob(cpu, n),
    };
  } finally {
    await worker?.stop(5000);
    await queue.close().catch(() => {});
    connection.disconnect();
    await pool.end().catch(() => {});
    await db.drop().catch(() => {});
    await deleteRedisPrefix(prefix).catch(() => {});
    await fake.proc.stop(5000);
  }
}
