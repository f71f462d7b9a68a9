// 6. Scale: throughput with 1, 2 and 4 worker processes, and the CPU each component spends per
// job (the bottleneck); writes scale.svg beside the results.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Measure } from "../lib/measure.ts";
import { startQforge, THROUGHPUT_ENV } from "../lib/qforge.ts";
import { check } from "../lib/results.ts";
import { round } from "../lib/stats.ts";
import { barChart } from "../lib/svg.ts";
import { qforgeThroughput, type Throughput } from "../lib/throughput.ts";

export const scale: Measure = {
  key: "scale",
  title: "Scale with worker processes",
  description:
    "For 1, 2 and 4 worker processes (each `node --import tsx apps/worker/src/main.ts`, " +
    "WORKER_CONCURRENCY 10, a fresh database and prefix each time): N one-call jobs as one batch " +
    "after a warm-up of `warmJobs` (3,000) jobs per worker process, jobs/s from the POST to the last `completed_at`. Meanwhile the " +
    "CPU time (utime+stime from /proc/<pid>/stat) of every worker, the API, the fake provider, " +
    "redis-server, Postgres (our database's backends plus its shared background processes) and " +
    "the bench process itself is sampled: CPU ms per job per component. The worker counts run " +
    "in alternating rounds (1, 2, 4, 1, 2, 4); the best run of each count is compared. " +
    "Writes `scale.svg`.",
  async run(ctx) {
    const { scaleJobs: n, scaleWorkers, concurrency, scaleRounds, warmJobs } = ctx.sizes;
    // The host is shared and noisy (the same configuration measured twice in a row differed by
    // 10 %), and noise only ever slows a run down: like the pipeline, every count runs in each
    // round, alternating, and its best run counts.
    const all: Array<{ round: number; workers: number } & Throughput> = [];
    for (let round = 1; round <= scaleRounds; round++) {
      for (const w of scaleWorkers) {
        const q = await startQforge({
          name: `scale${w}`,
          workers: w,
          concurrency,
          env: THROUGHPUT_ENV,
        });
        try {
          // Every process warms up alike (its JIT, pools, connections), whatever their number.
          const t = await qforgeThroughput(q, n, `Scale Role ${w} ${round}`, warmJobs * w);
          all.push({ round, workers: w, ...t });
          ctx.log(
            `round ${round}: ${w} worker(s): ${t.jobsPerSec} jobs/s; ` +
              `CPU ms/job ${JSON.stringify(t.cpuMsPerJob)}`,
          );
        } finally {
          await q.close();
        }
      }
    }
    const runs = scaleWorkers.map((w) =>
      all.filter((r) => r.workers === w).reduce((a, b) => (b.jobsPerSec > a.jobsPerSec ? b : a)),
    );
    const one = runs[0]!;
    const checks = runs.slice(1).map((r) =>
      check({
        name: `${r.workers} workers vs ${one.workers}`,
        unit: "jobs/s",
        qforge: r.jobsPerSec,
        baseline: one.jobsPerSec,
        baselineLabel: `${one.workers} worker`,
        target: "ratio ≥ 0.95",
        pass: r.jobsPerSec >= 0.95 * one.jobsPerSec,
      }),
    );
    const svg = barChart({
      title: `qforge throughput vs worker processes (${n} jobs, concurrency ${concurrency} each)`,
      yLabel: "jobs/s",
      bars: runs.map((r) => ({ label: String(r.workers), value: r.jobsPerSec })),
      reference: { value: 0.95 * one.jobsPerSec, label: "0.95 × 1 worker" },
    });
    const svgPath = join(ctx.outDir, ctx.svgName);
    writeFileSync(svgPath, svg);
    return {
      pass: checks.every((c) => c.pass),
      checks,
      data: {
        jobs: n,
        concurrency,
        svg: ctx.svgName,
        rounds: all.map((r) => ({ round: r.round, workers: r.workers, jobsPerSec: r.jobsPerSec })),
        runs: runs.map((r) => ({
          workers: r.workers,
          jobs: r.jobs,
          seconds: r.seconds,
          jobsPerSec: r.jobsPerSec,
          warmJobsPerSec: r.warmJobsPerSec,
          cpuMsPerJob: r.cpuMsPerJob,
          cpuMsTotal: Object.fromEntries(
            Object.entries(r.cpu.byComponent).map(([k, v]) => [k, round(v, 0)]),
          ),
          /** CPU used by all sampled components ÷ (cores × wall time). */
          cpuBusy: round(
            Object.values(r.cpu.byComponent).reduce((a, b) => a + b, 0) /
              (r.cpu.wallMs * ctx.cores),
            3,
          ),
        })),
      },
    };
  },
};
