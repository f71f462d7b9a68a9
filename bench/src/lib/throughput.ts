// qforge's pipeline throughput: N one-call jobs from the batch POST to the last job completed,
// with the CPU every component used meanwhile.
import { sampleCpu, type CpuUse } from "./cpu.ts";
import { benchItems, submitBatch, waitBatch, type Qforge } from "./qforge.ts";
import { round } from "./stats.ts";

export interface Throughput {
  jobs: number;
  seconds: number;
  jobsPerSec: number;
  cpu: CpuUse;
  /** CPU ms per job by component. */
  cpuMsPerJob: Record<string, number>;
  /** The warm-up's own jobs/s, from a cold start: how far below the measured rate it ran. */
  warmJobsPerSec?: number;
}

export function perJob(cpu: CpuUse, jobs: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(cpu.byComponent)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, round(v / jobs, 3)]),
  );
}

/** The API's largest batch: a bigger warm-up goes as several. */
const MAX_BATCH = 10_000;

/** How long a run of `jobs`, warm-up or measured, may take before it is given up (≥ 10 jobs/s). */
export const runTimeoutMs = (jobs: number) => Math.max(120_000, jobs * 100);

/** Warm-up batches first (JIT, pools, connections), then the measured one. */
export async function qforgeThroughput(
  q: Qforge,
  jobs: number,
  stem: string,
  warmJobs: number,
): Promise<Throughput> {
  const warm: string[] = [];
  const w0 = Date.now();
  for (let left = warmJobs, i = 1; left > 0; left -= MAX_BATCH, i++) {
    warm.push(await submitBatch(q, benchItems(Math.min(left, MAX_BATCH), `${stem} Warmup ${i}`)));
  }
  let warmEnd = w0;
  for (const id of warm) {
    const e = await waitBatch(q, id, runTimeoutMs(warmJobs));
    warmEnd = Math.max(warmEnd, e.lastEndedAt);
  }
  const items = benchItems(jobs, stem);
  const sampler = sampleCpu(q.pidGroups);
  await sampler.ready;
  const t0 = Date.now();
  const id = await submitBatch(q, items);
  const end = await waitBatch(q, id, runTimeoutMs(jobs));
  const cpu = await sampler.stop();
  if (end.completed !== jobs) {
    throw new Error(
      `batch ended ${end.status} with ${end.completed} of ${jobs} completed (${end.failed} failed)`,
    );
  }
  const seconds = (end.lastEndedAt - t0) / 1000;
  return {
    jobs,
    seconds: round(seconds),
    jobsPerSec: round(jobs / seconds, 1),
    cpu,
    cpuMsPerJob: perJob(cpu, jobs),
    warmJobsPerSec: round(warmJobs / Math.max(0.001, (warmEnd - w0) / 1000), 1),
  };
}
