// 3. Accepting a 10,000-item batch: POST /api/v1/batches to 202, and the rows then in Postgres.
import { performance } from "node:perf_hooks";
import pg from "pg";
import type { Measure } from "../lib/measure.ts";
import { benchItems, CLIENT_KEY, startQforge, submitBatch } from "../lib/qforge.ts";
import { check } from "../lib/results.ts";
import { freshDatabase } from "../lib/services.ts";
import { median, round } from "../lib/stats.ts";

export const accept: Measure = {
  key: "accept",
  title: "Accepting a 10,000-item batch",
  description:
    "The API alone (no worker, so nothing competes): after a 100-item warm-up, R times a " +
    "10,000-item `POST /api/v1/batches` (one-call items), timed from the request to the 202; then " +
    "the job rows of that batch actually in Postgres are counted (rows/s = rows at 202 ÷ time). " +
    "Baseline: the same items written by one multi-row `INSERT … SELECT FROM jsonb_to_recordset` " +
    "through `pg` in the bench process (no HTTP, validation or queue): the floor of the write.",
  async run(ctx) {
    const { acceptItems: n, acceptRepeats: reps } = ctx.sizes;
    const q = await startQforge({ name: "acc", workers: 0 });
    const runs: Array<{ ms: number; rowsAtAccept: number; rowsPerSec: number }> = [];
    const baselineMs: number[] = [];
    const base = await freshDatabase();
    const basePool = new pg.Pool({ connectionString: base.url, max: 1 });
    // An idle client whose connection Postgres ends must not crash the process.
    basePool.on("error", () => {});
    try {
      await submitBatch(q, benchItems(100, "Accept Warmup"));
      await basePool.query(
        `CREATE TABLE accept_baseline (id bigserial PRIMARY KEY, batch int NOT NULL, idx int NOT NULL,
           request jsonb NOT NULL, status text NOT NULL DEFAULT 'queued',
           created_at timestamptz NOT NULL DEFAULT now())`,
      );
      for (let r = 0; r < reps; r++) {
        const items = benchItems(n, `Accept Role ${r}`);
        const body = JSON.stringify({ items });
        const t = performance.now();
        const res = await fetch(`${q.apiUrl}/api/v1/batches`, {
          method: "POST",
          headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json" },
          body,
        });
        const text = await res.text();
        const ms = performance.now() - t;
        if (res.status !== 202)
          throw new Error(`POST /api/v1/batches: ${res.status} ${text.slice(0, 300)}`);
        const id = (JSON.parse(text) as { id: string }).id;
        const { rows } = await q.pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM jobs WHERE batch_id = $1::uuid",
          [id],
        );
        const rowsAtAccept = Number(rows[0]!.n);
        runs.push({
          ms: round(ms, 1),
          rowsAtAccept,
          rowsPerSec: round(rowsAtAccept / (ms / 1000), 0),
        });
        ctx.log(`run ${r + 1}: ${ms.toFixed(0)} ms, ${rowsAtAccept} rows`);

        const tb = performance.now();
        await basePool.query(
          `INSERT INTO accept_baseline (batch, idx, request)
             SELECT $1, ordinality - 1, value FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY`,
          [r, JSON.stringify(items)],
        );
        baselineMs.push(round(performance.now() - tb, 1));
      }
    } finally {
      await basePool.end().catch(() => {});
      await base.drop().catch(() => {});
      await q.close();
    }
    const med = median(runs.map((r) => r.ms));
    const best = Math.min(...runs.map((r) => r.ms));
    const baseMed = median(baselineMs);
    const rowsMed = median(runs.map((r) => r.rowsPerSec));
    const allRows = runs.every((r) => r.rowsAtAccept === n);
    const checks = [
      check({
        name: `accept ${n.toLocaleString("en-US")} items (median)`,
        unit: "ms",
        qforge: med,
        baseline: baseMed,
        baselineLabel: "one INSERT via pg",
        target: "< 1000 ms",
        pass: med < 1000,
      }),
      check({
        name: "accept (best)",
        unit: "ms",
        qforge: best,
        baseline: Math.min(...baselineMs),
        baselineLabel: "one INSERT via pg",
        target: "(reported)",
        pass: true,
      }),
      check({
        name: "rows in Postgres at 202 (median)",
        unit: "rows/s",
        qforge: rowsMed,
        baseline: null,
        baselineLabel: null,
        target: `all ${n} rows at 202`,
        pass: allRows,
      }),
    ];
    return {
      pass: checks.every((c) => c.pass),
      checks,
      data: { items: n, runs, baselineMs, medianMs: round(med, 1), bestMs: round(best, 1) },
    };
  },
};
