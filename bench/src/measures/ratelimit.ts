// 5. Rate-limit use: the fake provider enforces N requests per minute per key, qforge is told the
// same limit; with more work queued than the limit allows, how much of the allowance is used and
// how often the provider still answers 429.
import { randomBytes } from "node:crypto";
import type { Measure } from "../lib/measure.ts";
import { fakeStats, sleep, until, type FakeStats } from "../lib/procs.ts";
import { benchItems, startQforge, submitBatch } from "../lib/qforge.ts";
import { check } from "../lib/results.ts";
import { round } from "../lib/stats.ts";

export const ratelimit: Measure = {
  key: "ratelimit",
  title: "Rate-limit use",
  description:
    "The fake provider limits each API key to N requests per sliding 60 s window (429 with " +
    "`retry-after` past it); qforge runs with the same GROQ_RPM=N, several GROQ keys, other " +
    "limits high, one worker at concurrency 10, and gets 1.5× more one-call jobs than the " +
    "limit allows. Measured over W whole 60 s windows from the fake's first request: allowed = " +
    "keys × N × W (a sliding window lets through at most N per key in any 60 s), used = requests " +
    "answered 200 in that span ÷ allowed; 429 share = 429s ÷ requests in the span.",
  async run(ctx) {
    const { rateRpm: rpm, rateKeys: keys, rateWindows: windows } = ctx.sizes;
    const groqKeys = Array.from(
      { length: keys },
      (_, i) => `gsk_bench_rl_${i}_${randomBytes(6).toString("hex")}`,
    );
    const allowed = keys * rpm * windows;
    const q = await startQforge({
      name: "rl",
      workers: 1,
      groqKeys,
      fake: { rpm },
      env: {
        GROQ_RPM: String(rpm),
        GROQ_RPD: "1000000000",
        GROQ_TPM: "1000000000000",
        GROQ_TPD: "1000000000000",
      },
    });
    let atEnd: FakeStats;
    try {
      await submitBatch(q, benchItems(Math.ceil(allowed * 1.5) + keys * rpm, "Rate Role"));
      const first = await until(
        "the first provider request",
        async () => (await fakeStats(q.fake.url)).firstAt ?? undefined,
        30_000,
        20,
      );
      const end = first + windows * 60_000;
      ctx.log(
        `${keys} keys × ${rpm} rpm × ${windows} window(s): ${allowed} allowed; measuring until +${windows * 60} s`,
      );
      // Read just before the span ends: a slot a window frees exactly at its end belongs to the
      // next span.
      await sleep(Math.max(0, end - 20 - Date.now()));
      atEnd = await fakeStats(q.fake.url);
      // Stop the rest of the work quickly.
      const batches = await q.call("/api/v1/batches");
      for (const b of (batches.body as { data: Array<{ id: string }> }).data ?? []) {
        await q.call(`/api/v1/batches/${b.id}/cancel`, { method: "POST" });
      }
    } finally {
      await q.close();
    }
    const used = atEnd.ok / allowed;
    const limitedShare = atEnd.requests === 0 ? 0 : atEnd.limited / atEnd.requests;
    ctx.log(
      `${atEnd.ok} ok of ${allowed} allowed (${(used * 100).toFixed(1)} %), ${atEnd.limited} 429s of ${atEnd.requests}`,
    );
    const checks = [
      check({
        name: "allowance used",
        unit: "%",
        qforge: used * 100,
        baseline: null,
        baselineLabel: null,
        target: "≥ 95 %",
        pass: used >= 0.95,
      }),
      check({
        name: "answered 429",
        unit: "%",
        qforge: limitedShare * 100,
        baseline: null,
        baselineLabel: null,
        target: "< 1 %",
        pass: limitedShare < 0.01,
      }),
    ];
    return {
      pass: checks.every((c) => c.pass),
      checks,
      data: {
        rpm,
        keys,
        windows,
        allowed,
        ok: atEnd.ok,
        requests: atEnd.requests,
        limited: atEnd.limited,
        usedFraction: round(used, 4),
        limitedFraction: round(limitedShare, 4),
        byKey: atEnd.byKey,
        measuredAtMsAfterFirst:
          atEnd.lastAt !== null && atEnd.firstAt !== null ? atEnd.lastAt - atEnd.firstAt : null,
      },
    };
  },
};
