// 7. Memory: worker and API RSS and heap before, during and after many batches; growth between
// the end of the 3rd batch and the end of the last must be small (no leak).
import type { Measure } from "../lib/measure.ts";
import { rssBytes } from "../lib/cpu.ts";
import type { MemoryReading, Proc } from "../lib/procs.ts";
import { benchItems, startQforge, submitBatch, waitBatch, type Qforge } from "../lib/qforge.ts";
import { check } from "../lib/results.ts";
import { round } from "../lib/stats.ts";

const MB = 2 ** 20;
const TOLERANCE = 0.15;

interface Point {
  label: string;
  jobsDone: number;
  worker: MemoryReading;
  api: MemoryReading;
}

async function readings(label: string, jobsDone: number, worker: Proc, api: Proc): Promise<Point> {
  const [w, a] = await Promise.all([worker.memory(), api.memory()]);
  return { label, jobsDone, worker: w, api: a };
}

const mb = (r: MemoryReading) => ({
  rssMB: round(r.rss / MB, 1),
  heapUsedMB: round(r.heapUsed / MB, 1),
  heapTotalMB: round(r.heapTotal / MB, 1),
  externalMB: round(r.external / MB, 1),
});

export const memory: Measure = {
  key: "memory",
  title: "Memory over many batches",
  description:
    "One API and one worker process; B batches (10 by default) of one-call jobs, one after " +
    "another, each awaited while a client polls `GET /api/v1/batches/{id}` once a second. At the " +
    "start, and at the end of every batch, each process reports its RSS and V8 heap after a full " +
    "GC (a bench preload answers over IPC: `--expose-gc`); RSS is also sampled from /proc every " +
    "second (peak during). Growth is the end of the last batch over the end of the 3rd. The batch " +
    "size is 10,000 (100,000 jobs) unless the throughput measured on a 500-job first batch says " +
    "that would not fit the time budget; then it shrinks to fit (the size used is recorded).",
  async run(ctx) {
    const { memoryBatches: batches, memorySeconds: budget } = ctx.sizes;
    const q = await startQforge({ name: "mem", workers: 1 });
    try {
      const worker = q.workers[0]!;
      const points: Point[] = [await readings("start", 0, worker, q.api)];
      // A first batch sizes the rest to the budget.
      const probeN = Math.min(500, ctx.sizes.memoryBatchSize);
      const t0 = Date.now();
      const probeEnd = await runBatch(q, probeN, "Memory Probe", () => {});
      const rate = probeN / Math.max(0.001, (probeEnd - t0) / 1000);
      const fits = Math.floor((rate * budget) / batches / 100) * 100;
      const size = Math.max(100, Math.min(ctx.sizes.memoryBatchSize, fits));
      ctx.log(
        `~${rate.toFixed(0)} jobs/s: ${batches} batches of ${size} (asked ${ctx.sizes.memoryBatchSize}, budget ${budget} s)`,
      );
      points.push(await readings("after warm-up", probeN, worker, q.api));
      const peak = { worker: 0, api: 0 };
      let done = probeN;
      for (let b = 1; b <= batches; b++) {
        await runBatch(q, size, `Memory Role ${b}`, () => {
          peak.worker = Math.max(peak.worker, rssBytes(worker.pid) ?? 0);
          peak.api = Math.max(peak.api, rssBytes(q.api.pid) ?? 0);
        });
        done += size;
        const p = await readings(`end of batch ${b}`, done, worker, q.api);
        points.push(p);
        ctx.log(
          `batch ${b}/${batches}: worker rss ${(p.worker.rss / MB).toFixed(0)} MB heap ${(p.worker.heapUsed / MB).toFixed(1)} MB; ` +
            `api rss ${(p.api.rss / MB).toFixed(0)} MB heap ${(p.api.heapUsed / MB).toFixed(1)} MB`,
        );
      }
      // points: start, after warm-up, end of batch 1, 2, …: the end of batch 3 (or the one before
      // the last in a short run) is the reference.
      const refIndex = 1 + Math.max(1, Math.min(3, batches - 1));
      const ref = points[refIndex]!;
      const last = points[points.length - 1]!;
      const growth = (a: number, b: number) => (b - a) / a;
      const g = {
        workerRss: growth(ref.worker.rss, last.worker.rss),
        workerHeap: growth(ref.worker.heapUsed, last.worker.heapUsed),
        apiRss: growth(ref.api.rss, last.api.rss),
        apiHeap: growth(ref.api.heapUsed, last.api.heapUsed),
      };
      const row = (
        name: string,
        component: "worker" | "api",
        kind: "rss" | "heapUsed",
        v: number,
      ) =>
        check({
          name: `${name} growth, ${ref.label} → ${last.label}`,
          unit: "MB",
          qforge: last[component][kind] / MB,
          baseline: ref[component][kind] / MB,
          baselineLabel: ref.label,
          target: `growth < ${TOLERANCE * 100} %`,
          pass: v < TOLERANCE,
        });
      const checks = [
        row("worker heap (after GC)", "worker", "heapUsed", g.workerHeap),
        row("worker RSS", "worker", "rss", g.workerRss),
        row("API heap (after GC)", "api", "heapUsed", g.apiHeap),
        row("API RSS", "api", "rss", g.apiRss),
      ];
      return {
        pass: checks.every((c) => c.pass),
        checks,
        data: {
          batches,
          batchSize: size,
          jobs: done,
          reference: ref.label,
          growth: Object.fromEntries(Object.entries(g).map(([k, v]) => [k, round(v, 4)])),
          peakDuringMB: { worker: round(peak.worker / MB, 1), api: round(peak.api / MB, 1) },
          points: points.map((p) => ({
            label: p.label,
            jobsDone: p.jobsDone,
            worker: mb(p.worker),
            api: mb(p.api),
          })),
        },
      };
    } finally {
      await q.close();
    }
  },
};

/** Submits and awaits one batch, polling its status through the API once a second meanwhile. */
async function runBatch(q: Qforge, n: number, stem: string, sample: () => void): Promise<number> {
  const id = await submitBatch(q, benchItems(n, stem));
  let polling = true;
  const poller = (async () => {
    while (polling) {
      sample();
      await q.call(`/api/v1/batches/${id}`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  try {
    const end = await waitBatch(q, id, Math.max(120_000, n * 200));
    if (end.completed !== n)
      throw new Error(`batch ended ${end.status}: ${end.completed}/${n} completed`);
    return end.lastEndedAt;
  } finally {
    polling = false;
    await poller;
  }
}
