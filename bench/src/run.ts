// `pnpm bench`: runs the measures against real Redis and Postgres with the fake provider, prints
// a table, writes bench/results.json (or --out) and regenerates bench/BENCHMARKS.md.
//   pnpm bench [--quick] [--only pipeline,overhead] [--out path] [--before] [--no-report]
//              [--size name=value …]   (e.g. --size memoryBatches=4; names: see lib/measure.ts)
// Exits 0 after a complete run even when targets are missed (they are reported as MISS); 1 when a
// measure crashed.
import os from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { FULL, QUICK, type Measure, type Sizes } from "./lib/measure.ts";
import { ROOT } from "./lib/procs.ts";
import {
  gitCommit,
  machine,
  packageVersion,
  renderTable,
  TABLE_HEADER,
  tableRows,
  writeResults,
  type Results,
} from "./lib/results.ts";
import { adminQuery, dropTemplate, redisServerInfo } from "./lib/services.ts";
import { MEASURES } from "./measures/index.ts";
import { renderReport, svgNameFor } from "./report.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
    before: { type: "boolean", default: false },
    "no-report": { type: "boolean", default: false },
    size: { type: "string", multiple: true },
  },
});

const sizes: Sizes = { ...(values.quick ? QUICK : FULL) };
for (const s of values.size ?? []) {
  const m = /^(\w+)=([\d,]+)$/.exec(s);
  const name = m?.[1] as keyof Sizes | undefined;
  if (!m || !name || !(name in sizes)) {
    console.error(`bench: bad --size ${s} (names: ${Object.keys(sizes).join(", ")})`);
    process.exit(2);
  }
  (sizes as unknown as Record<string, number | number[]>)[name] = Array.isArray(sizes[name])
    ? m[2]!.split(",").map(Number)
    : Number(m[2]);
}

let selected: Measure[] = MEASURES;
if (values.only) {
  const keys = values.only.split(",").map((k) => k.trim());
  const unknown = keys.filter((k) => !MEASURES.some((m) => m.key === k));
  if (unknown.length > 0) {
    console.error(
      `bench: unknown measure ${unknown.join(", ")} (${MEASURES.map((m) => m.key).join(", ")})`,
    );
    process.exit(2);
  }
  selected = MEASURES.filter((m) => keys.includes(m.key));
}

const outPath = values.out
  ? isAbsolute(values.out)
    ? values.out
    : resolve(process.cwd(), values.out)
  : join(ROOT, "bench", values.before ? "results-before.json" : "results.json");
const outDir = dirname(outPath);

const started = Date.now();
const log = (key: string) => (message: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${key}: ${message}`);

const [redis, pgVersion] = await Promise.all([
  redisServerInfo(),
  adminQuery<{ server_version: string }>("SHOW server_version"),
]);
const results: Results = {
  generatedAt: new Date().toISOString(),
  commit: gitCommit(ROOT),
  quick: values.quick ?? false,
  machine: machine(),
  versions: {
    node: process.version,
    bullmq: packageVersion(join(ROOT, "apps/worker"), "bullmq"),
    prisma: packageVersion(join(ROOT, "packages/database"), "@prisma/client"),
    "groq-sdk": packageVersion(join(ROOT, "packages/providers"), "groq-sdk"),
    express: packageVersion(join(ROOT, "apps/api"), "express"),
    "redis-server": redis.version,
    postgres: pgVersion[0]?.server_version ?? "unknown",
  },
  measures: {},
  failed: {},
};

console.log(
  `qforge bench${values.quick ? " (quick)" : ""}: ${selected.map((m) => m.key).join(", ")}\n` +
    `  ${results.machine.cpuModel}, ${results.machine.cores} cores, ` +
    `${(results.machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${results.machine.os}\n` +
    `  ${Object.entries(results.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}; commit ${results.commit.slice(0, 12)}`,
);

let interrupted = false;
process.once("SIGINT", () => {
  interrupted = true;
  console.error("bench: interrupted; cleaning up after the current measure (Ctrl-C again to exit)");
  process.once("SIGINT", () => process.exit(130));
});

for (const m of selected) {
  if (interrupted) break;
  const t0 = Date.now();
  log(m.key)("start");
  try {
    const r = await m.run({
      sizes,
      quick: values.quick ?? false,
      cores: os.cpus().length,
      outDir,
      svgName: svgNameFor(outPath),
      log: log(m.key),
    });
    results.measures[m.key] = { title: m.title, ...r, durationMs: Date.now() - t0 };
    log(m.key)(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${r.pass ? "PASS" : "MISS"}`);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    results.failed[m.key] = { title: m.title, error: message, durationMs: Date.now() - t0 };
    log(m.key)(`CRASHED: ${message}`);
  }
}
await dropTemplate().catch(() => {});

writeResults(outPath, results);
console.log(`\n${renderTable(TABLE_HEADER, tableRows(results))}\n`);
console.log(`results: ${outPath} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
if (!values["no-report"]) {
  const report = renderReport(ROOT);
  console.log(`report: ${report}`);
}
process.exit(Object.keys(results.failed).length > 0 || interrupted ? 1 : 0);
