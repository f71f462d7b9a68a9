import type { MeasureResult } from "./results.ts";

/** Sizes of every measure; `--quick` uses small ones, flags override single values. */
export interface Sizes {
  /** Alternating runs of qforge and the minimal pipeline; the best of each is compared. */
  pipelineRounds: number;
  pipelineJobs: number;
  /**
   * Jobs each worker process runs before a throughput is measured (pipeline and scale, qforge and
   * the minimal pipeline alike). A fresh worker's CPU per job only settles after about 2,500 jobs
   * (JIT tier-up, pools, prepared statements; the ramp is in BENCHMARKS.md), and a long-running
   * worker spends its life past that point.
   */
  warmJobs: number;
  concurrency: number;
  overheadCalls: number;
  overheadBlock: number;
  acceptItems: number;
  acceptRepeats: number;
  readsSeconds: number;
  readsConnections: number;
  rateRpm: number;
  rateKeys: number;
  rateWindows: number;
  scaleJobs: number;
  scaleWorkers: number[];
  /** Rounds over every worker count, alternating; the best run of each count is compared. */
  scaleRounds: number;
  memoryBatches: number;
  memoryBatchSize: number;
  /** Budget for the memory measure's batches: the batch size shrinks to fit it. */
  memorySeconds: number;
}

export const FULL: Sizes = {
  pipelineJobs: 10_000,
  pipelineRounds: 3,
  warmJobs: 3000,
  concurrency: 10,
  overheadCalls: 2000,
  overheadBlock: 100,
  acceptItems: 10_000,
  acceptRepeats: 5,
  readsSeconds: 10,
  readsConnections: 50,
  rateRpm: 60,
  rateKeys: 3,
  rateWindows: 2,
  scaleJobs: 6000,
  scaleWorkers: [1, 2, 4],
  scaleRounds: 2,
  memoryBatches: 10,
  memoryBatchSize: 10_000,
  memorySeconds: 600,
};

export const QUICK: Sizes = {
  ...FULL,
  pipelineJobs: 200,
  pipelineRounds: 1,
  warmJobs: 100,
  overheadCalls: 200,
  overheadBlock: 50,
  acceptItems: 2000,
  acceptRepeats: 2,
  readsSeconds: 2,
  rateRpm: 30,
  rateKeys: 2,
  rateWindows: 1,
  scaleJobs: 200,
  scaleRounds: 1,
  memoryBatches: 4,
  memoryBatchSize: 500,
  memorySeconds: 60,
};

export interface MeasureContext {
  sizes: Sizes;
  quick: boolean;
  /** CPU cores of this machine. */
  cores: number;
  /** Where results.json goes (scale.svg is written beside it). */
  outDir: string;
  /** File name of the scale chart in outDir (scale.svg for results.json). */
  svgName: string;
  log(message: string): void;
}

export interface Measure {
  key: string;
  title: string;
  /** What it does, for BENCHMARKS.md. */
  description: string;
  run(ctx: MeasureContext): Promise<Omit<MeasureResult, "durationMs" | "title">>;
}
