// 4. Status reads under load: GET /api/v1/batches/{id} at 50 connections (autocannon), for a
// batch of 10 jobs and one of 10,000, against a bare Express route.
import autocannon from "autocannon";
import type { Measure } from "../lib/measure.ts";
import { ensureAlive, freePort, spawnNode, until } from "../lib/procs.ts";
import { benchItems, CLIENT_KEY, startQforge, submitBatch } from "../lib/qforge.ts";
import { check } from "../lib/results.ts";

interface Load {
  p50: number;
  p99: number;
  reqPerSec: number;
  requests: number;
  non2xx: number;
  errors: number;
}

async function load(
  url: string,
  connections: number,
  seconds: number,
  auth: boolean,
): Promise<Load> {
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    ...(auth ? { headers: { authorization: `Bearer ${CLIENT_KEY}` } } : {}),
  });
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    reqPerSec: r.requests.average,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

export const reads: Measure = {
  key: "reads",
  title: "Status reads under load",
  description:
    "The API alone (no worker) holding a queued batch of 10 jobs and one of 10,000: autocannon " +
    "(in the bench process) runs `GET /api/v1/batches/{id}` at 50 connections for ~10 s each, " +
    "after a 2 s warm-up of every target; baseline: a bare Express 5 route (own process, same express " +
    "version) answering a fixed JSON body the size of qforge's Batch. p99 of the 10,000-job " +
    "batch vs the 10-job one shows whether a read grows with the batch.",
  async run(ctx) {
    const { readsSeconds: seconds, readsConnections: conns } = ctx.sizes;
    const q = await startQforge({ name: "reads", workers: 0 });
    const port = await freePort();
    let bare: ReturnType<typeof spawnNode> | undefined;
    try {
      const small = await submitBatch(q, benchItems(10, "Reads Small"));
      const big = await submitBatch(q, benchItems(10_000, "Reads Big"));
      const sample = await q.call(`/api/v1/batches/${big}`);
      if (sample.status !== 200) throw new Error(`GET batch: ${sample.status}`);
      const bodyBytes = JSON.stringify(sample.body).length;
      bare = spawnNode("bare-express", "bench/src/baseline/bare-express.ts", {
        PORT: String(port),
        BODY: JSON.stringify(sample.body),
        NODE_ENV: "production",
      });
      const b = bare;
      const bareUrl = `http://127.0.0.1:${port}/api/v1/batches/${big}`;
      await until(
        "bare express",
        async () => (await fetch(bareUrl)).ok,
        20_000,
        100,
        () => ensureAlive(b),
      );

      const targets = {
        bare: { url: bareUrl, auth: false },
        batch10: { url: `${q.apiUrl}/api/v1/batches/${small}`, auth: true },
        batch10000: { url: `${q.apiUrl}/api/v1/batches/${big}`, auth: true },
      };
      const out: Record<string, Load> = {};
      // Warm every target first (JIT, pools), so the first measured one is not the coldest.
      for (const t of Object.values(targets)) await load(t.url, conns, 2, t.auth);
      for (const [name, t] of Object.entries(targets)) {
        out[name] = await load(t.url, conns, seconds, t.auth);
        ctx.log(
          `${name}: p50 ${out[name]!.p50} ms, p99 ${out[name]!.p99} ms, ${out[name]!.reqPerSec.toFixed(0)} req/s` +
            (out[name]!.non2xx || out[name]!.errors
              ? ` (${out[name]!.non2xx} non-2xx, ${out[name]!.errors} errors)`
              : ""),
        );
      }
      const bareL = out.bare!;
      const big_ = out.batch10000!;
      const small_ = out.batch10!;
      const clean = Object.values(out).every((l) => l.non2xx === 0 && l.errors === 0);
      const checks = [
        check({
          name: "p99, batch of 10,000",
          unit: "ms",
          qforge: big_.p99,
          baseline: bareL.p99,
          baselineLabel: "bare Express",
          target: "ratio ≤ 2",
          pass: clean && big_.p99 <= 2 * bareL.p99,
        }),
        check({
          name: "p50, batch of 10,000",
          unit: "ms",
          qforge: big_.p50,
          baseline: bareL.p50,
          baselineLabel: "bare Express",
          target: "(reported)",
          pass: true,
        }),
        check({
          name: "req/s, batch of 10,000",
          unit: "req/s",
          qforge: big_.reqPerSec,
          baseline: bareL.reqPerSec,
          baselineLabel: "bare Express",
          target: "(reported)",
          pass: true,
        }),
        check({
          name: "p99, 10,000 vs 10 jobs",
          unit: "ms",
          qforge: big_.p99,
          baseline: small_.p99,
          baselineLabel: "batch of 10",
          target: "ratio ≤ 1.5 (~1)",
          pass: big_.p99 <= 1.5 * Math.max(small_.p99, 1),
        }),
      ];
      return {
        pass: checks.every((c) => c.pass),
        checks,
        data: { connections: conns, seconds, bodyBytes, ...out },
      };
    } finally {
      await bare?.stop(5000);
      await q.close();
    }
  },
};
