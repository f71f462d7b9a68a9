// The results file (bench/results.json) and the table printed after a run.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { round } from "./stats.ts";

/** One compared figure: qforge's, its baseline's, their ratio and whether the target is met. */
export interface Check {
  name: string;
  unit: string;
  qforge: number;
  /** The same figure for the baseline run in the same bench (null: an absolute target). */
  baseline: number | null;
  baselineLabel: string | null;
  /** qforge / baseline (null without a baseline). */
  ratio: number | null;
  target: string;
  pass: boolean;
}

export interface MeasureResult {
  title: string;
  pass: boolean;
  checks: Check[];
  /** Everything else the measure found (figures, samples, per-component CPU …). */
  data: Record<string, unknown>;
  durationMs: number;
}

export interface MeasureFailure {
  title: string;
  error: string;
  durationMs: number;
}

export interface Results {
  generatedAt: string;
  commit: string;
  /** What else to know of the run (e.g. a "before" run of an older core). */
  note?: string;
  quick: boolean;
  machine: { cpuModel: string; cores: number; memoryBytes: number; os: string };
  versions: Record<string, string>;
  measures: Record<string, MeasureResult>;
  failed: Record<string, MeasureFailure>;
}

export function check(c: Omit<Check, "ratio"> & { ratio?: number | null }): Check {
  const r =
    c.ratio !== undefined
      ? c.ratio
      : c.baseline !== null && c.baseline !== 0
        ? c.qforge / c.baseline
        : null;
  return {
    ...c,
    qforge: round(c.qforge),
    baseline: c.baseline === null ? null : round(c.baseline),
    ratio: r === null ? null : round(r),
  };
}

export function gitCommit(root: string): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root }).toString().trim();
    const dirty =
      execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root })
        .toString()
        .trim().length > 0;
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return "unknown";
  }
}

function osName(): string {
  try {
    const rel = readFileSync("/etc/os-release", "utf8");
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(rel)?.[1];
    if (pretty) return `${pretty} (${os.type()} ${os.release()} ${os.arch()})`;
  } catch {
    // not Linux, or no os-release
  }
  return `${os.type()} ${os.release()} ${os.arch()}`;
}

export function machine(): Results["machine"] {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    os: osName(),
  };
}

/** The version of a package as seen from `fromDir`'s package.json. */
export function packageVersion(fromDir: string, name: string): string {
  try {
    const require = createRequire(join(fromDir, "package.json"));
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // keep walking up
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed there
  }
  return "unknown";
}

export function writeResults(path: string, results: Results): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(results, null, 2) + "\n");
}

export function readResults(path: string): Results | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Results;
  } catch {
    return undefined;
  }
}

export function formatNumber(v: number | null, unit = ""): string {
  if (v === null || !Number.isFinite(v)) return "–";
  const abs = Math.abs(v);
  const s =
    abs >= 1000
      ? Math.round(v).toLocaleString("en-US")
      : abs >= 100
        ? v.toFixed(0)
        : abs >= 10
          ? v.toFixed(1)
          : abs >= 1
            ? v.toFixed(2)
            : v.toFixed(3);
  return unit ? `${s} ${unit}` : s;
}

export const TABLE_HEADER = [
  "measure",
  "figure",
  "qforge",
  "baseline",
  "ratio",
  "target",
  "result",
];

/** One row per check; a crashed measure is one CRASH row. */
export function tableRows(results: Results): string[][] {
  const rows: string[][] = [];
  for (const [key, m] of Object.entries(results.measures)) {
    for (const c of m.checks) {
      rows.push([
        key,
        c.name,
        formatNumber(c.qforge, c.unit),
        c.baseline === null ? "–" : `${formatNumber(c.baseline, c.unit)} (${c.baselineLabel})`,
        c.ratio === null ? "–" : c.ratio.toFixed(2),
        c.target,
        c.pass ? "PASS" : "MISS",
      ]);
    }
  }
  for (const [key, f] of Object.entries(results.failed)) {
    rows.push([key, f.title, "–", "–", "–", "–", `CRASH: ${f.error.split("\n")[0]}`]);
  }
  return rows;
}

/** A plain-text table with padded columns. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** A Markdown table (pipes in cells escaped). */
export function markdownTable(header: string[], rows: string[][]): string {
  const cell = (c: string) => c.replace(/\|/g, "\\|");
  return [
    `| ${header.map(cell).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}
