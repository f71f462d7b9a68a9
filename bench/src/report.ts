// Renders bench/BENCHMARKS.md from bench/results-before.json and bench/results.json (either may
// be missing). `pnpm bench` runs it after writing its results; on its own:
//   node --import tsx bench/src/report.ts
// The text between the notes markers is kept from the existing file (written by hand).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MEASURES } from "./measures/index.ts";
import {
  formatNumber,
  markdownTable,
  readResults,
  type Check,
  type Results,
} from "./lib/results.ts";

const NOTES_START = "<!-- notes:start -->";
const NOTES_END = "<!-- notes:end -->";

/** scale.svg for results.json, scale-before.svg for results-before.json, scale-x.svg for x.json. */
export function svgNameFor(resultsPath: string): string {
  const stem = basename(resultsPath).replace(/\.json$/, "");
  if (stem === "results") return "scale.svg";
  return `scale-${stem.replace(/^results-/, "")}.svg`;
}

const cell = (c: Check | undefined) =>
  c === undefined
    ? "–"
    : `${formatNumber(c.qforge, c.unit)}` +
      (c.baseline !== null ? ` vs ${formatNumber(c.baseline, c.unit)}` : "") +
      (c.ratio !== null ? ` (×${c.ratio.toFixed(2)})` : "") +
      ` **${c.pass ? "PASS" : "MISS"}**`;

function comparison(before: Results | undefined, after: Results | undefined): string {
  const rows: string[][] = [];
  for (const m of MEASURES) {
    const b = before?.measures[m.key];
    const a = after?.measures[m.key];
    const names = [...new Set([...(b?.checks ?? []), ...(a?.checks ?? [])].map((c) => c.name))];
    if (names.length === 0) {
      const crashed = (r: Results | undefined) => (r?.failed[m.key] ? "CRASHED" : "not run");
      rows.push([m.key, "–", "–", crashed(before), crashed(after)]);
      continue;
    }
    for (const name of names) {
      const cb = b?.checks.find((c) => c.name === name);
      const ca = a?.checks.find((c) => c.name === name);
      rows.push([m.key, name, (ca ?? cb)!.target, cell(cb), cell(ca)]);
    }
  }
  return markdownTable(["measure", "figure", "target", "before", "after"], rows);
}

interface ScaleRun {
  workers: number;
  jobsPerSec: number;
  cpuMsPerJob: Record<string, number>;
  cpuBusy: number;
}

/** "What limits scaling here", computed from the scale measure's CPU per job. */
function limits(label: string, r: Results | undefined): string {
  const runs = r?.measures.scale?.data.runs as ScaleRun[] | undefined;
  if (!r || !runs || runs.length === 0) return `- **${label}**: no scale measure in this run.\n`;
  const cores = r.machine.cores;
  const lines = runs.map((run) => {
    const entries = Object.entries(run.cpuMsPerJob).sort((a, b) => b[1] - a[1]);
    const total = entries.reduce((n, [, v]) => n + v, 0);
    const top = entries[0];
    const ceiling = total > 0 ? (cores * 1000) / total : Infinity;
    const shares = entries
      .filter(([, v]) => v / total >= 0.03)
      .map(([k, v]) => `${k} ${v.toFixed(1)} ms (${((v / total) * 100).toFixed(0)} %)`)
      .join(", ");
    return (
      `  - ${run.workers} worker(s): ${run.jobsPerSec.toFixed(1)} jobs/s; ${total.toFixed(1)} CPU ms ` +
      `per job in all — ${shares}. The machine's ${cores} cores were ${(run.cpuBusy * 100).toFixed(0)} % ` +
      `busy with these processes; at this CPU cost per job they could carry at most ≈ ` +
      `${ceiling.toFixed(0)} jobs/s. Largest: ${top?.[0] ?? "–"}.`
    );
  });
  const one = runs[0]!;
  const last = runs[runs.length - 1]!;
  const sum = (x: ScaleRun) => Object.values(x.cpuMsPerJob).reduce((n, v) => n + v, 0);
  const verdict =
    sum(last) > sum(one) * 1.15
      ? `CPU per job grows with the number of worker processes (${sum(one).toFixed(1)} → ` +
        `${sum(last).toFixed(1)} ms): more processes add work per job (polling, lock renewal, ` +
        `contention on shared state) instead of only sharing it, on a machine already near its cores.`
      : `CPU per job stays about the same with more processes: throughput is bound by total CPU ` +
        `(${cores} cores shared by every component), so more processes cannot add throughput here.`;
  return `- **${label}** (${r.commit.slice(0, 12)}): ${verdict}\n${lines.join("\n")}\n`;
}

function runInfo(label: string, r: Results | undefined): string {
  if (!r) return `- **${label}**: no results file.`;
  const v = Object.entries(r.versions)
    .map(([k, x]) => `${k} ${x}`)
    .join(", ");
  return (
    `- **${label}**: ${r.generatedAt}, commit \`${r.commit}\`${r.quick ? " (quick sizes)" : ""}; ` +
    `${r.machine.cpuModel}, ${r.machine.cores} cores, ${(r.machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, ` +
    `${r.machine.os}; ${v}.` +
    (r.note ? ` ${r.note}` : "")
  );
}

export function renderReport(root: string): string {
  const dir = join(root, "bench");
  const before = readResults(join(dir, "results-before.json"));
  const after = readResults(join(dir, "results.json"));
  const out = join(dir, "BENCHMARKS.md");
  let notes =
    "_Hand-written notes (kept when this file is regenerated): what changed between before " +
    "and after, and how to read the figures._";
  if (existsSync(out)) {
    const old = readFileSync(out, "utf8");
    const s = old.indexOf(NOTES_START);
    const e = old.indexOf(NOTES_END);
    if (s >= 0 && e > s) notes = old.slice(s + NOTES_START.length, e).trim();
  }
  const charts = [
    before ? `![scale, before](${svgNameFor("results-before.json")})` : "",
    after ? `![scale, after](${svgNameFor("results.json")})` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const md = [
    "# qforge benchmarks",
    "",
    "_Generated by `bench/src/report.ts` from `bench/results-before.json` and " +
      "`bench/results.json`; do not edit by hand except between the notes markers._",
    "",
    "`pnpm bench` runs every measure against the real Redis and Postgres (a fresh database and " +
      "Redis key prefix per measure, removed afterwards) with the fake provider in its own " +
      "process answering at once, qforge's API and workers as separate processes configured by " +
      "env (`LOG_LEVEL=warn`), prints a table, writes `bench/results.json` and regenerates this " +
      "file. `pnpm bench --quick` runs small sizes (a smoke test, about 5 minutes); " +
      "`--only pipeline,overhead` runs some; `--out bench/results-before.json` (or `--before`) " +
      "records the before run; `--size memoryBatchSize=10000 --size memorySeconds=1200` etc. " +
      "override sizes (see `bench/src/lib/measure.ts`). Targets are for the bench, not tests: a " +
      "missed one is a MISS here and `pass: false` in the JSON; the run exits 0 unless a measure " +
      "crashed. The machine is shared and has 2 cores, so compare figures within one run " +
      "(ratios), not across runs.",
    "",
    "## Runs",
    "",
    runInfo("before", before),
    runInfo("after", after),
    "",
    "## Results, before and after",
    "",
    "Each cell: qforge's figure vs its baseline measured in the same run (ratio), and whether " +
      "the target is met.",
    "",
    comparison(before, after),
    "",
    "## Scale",
    "",
    charts || "_No scale chart yet._",
    "",
    "## What limits scaling here",
    "",
    limits("before", before),
    limits("after", after),
    "## Notes",
    "",
    NOTES_START,
    notes,
    NOTES_END,
    "",
    "## What each measure does",
    "",
    ...MEASURES.flatMap((m, i) => [
      `${i + 1}. **${m.title}** (\`${m.key}\`). ${m.description}`,
      "",
    ]),
  ].join("\n");
  writeFileSync(out, md);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(renderReport(fileURLToPath(new URL("../..", import.meta.url))));
}
