// The bench's pure helpers: percentiles, checks, the results file, the table and the chart.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { svgNameFor } from "../report.ts";
import {
  check,
  markdownTable,
  readResults,
  renderTable,
  TABLE_HEADER,
  tableRows,
  writeResults,
  type Results,
} from "./results.ts";
import { median, percentile, ratio } from "./stats.ts";
import { barChart } from "./svg.ts";

describe("percentile", () => {
  it("interpolates between closest ranks and ignores input order", () => {
    const v = [5, 1, 4, 2, 3];
    expect(percentile(v, 0)).toBe(1);
    expect(percentile(v, 50)).toBe(3);
    expect(percentile(v, 100)).toBe(5);
    expect(percentile(v, 25)).toBe(2);
    expect(percentile([1, 2], 50)).toBe(1.5);
    expect(
      percentile(
        Array.from({ length: 101 }, (_, i) => i),
        99,
      ),
    ).toBe(99);
    expect(median([10, 30, 20, 40])).toBe(25);
    expect(v).toEqual([5, 1, 4, 2, 3]);
  });
  it("is NaN for no values and refuses a percentile outside 0..100", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(3, 2)).toBe(1.5);
  });
});

describe("results", () => {
  const dir = mkdtempSync(join(tmpdir(), "qforge-bench-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const results: Results = {
    generatedAt: "2026-11-01T00:00:00.000Z",
    commit: "abc",
    quick: true,
    machine: { cpuModel: "cpu", cores: 2, memoryBytes: 1, os: "linux" },
    versions: { node: "v20" },
    measures: {
      pipeline: {
        title: "Pipeline throughput",
        pass: false,
        durationMs: 1,
        data: {},
        checks: [
          check({
            name: "jobs/s",
            unit: "jobs/s",
            qforge: 50,
            baseline: 200,
            baselineLabel: "bare",
            target: "ratio ≥ 0.6",
            pass: false,
          }),
        ],
      },
    },
    failed: { memory: { title: "Memory", error: "Error: boom\n at x", durationMs: 2 } },
  };

  it("computes each check's ratio against its baseline (none without one)", () => {
    expect(results.measures.pipeline!.checks[0]!.ratio).toBe(0.25);
    const absolute = check({
      name: "x",
      unit: "ms",
      qforge: 1,
      baseline: null,
      baselineLabel: null,
      target: "< 2",
      pass: true,
    });
    expect(absolute.ratio).toBeNull();
  });

  it("writes and reads back the results file", () => {
    const path = join(dir, "sub", "results.json");
    writeResults(path, results);
    expect(readResults(path)).toEqual(results);
    expect(JSON.parse(readFileSync(path, "utf8")).measures.pipeline.checks[0].pass).toBe(false);
    expect(readResults(join(dir, "missing.json"))).toBeUndefined();
  });

  it("prints MISS, PASS and CRASH rows in aligned columns", () => {
    const rows = tableRows(results);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual([
      "pipeline",
      "jobs/s",
      "50.0 jobs/s",
      "200 jobs/s (bare)",
      "0.25",
      "ratio ≥ 0.6",
      "MISS",
    ]);
    expect(rows[1]![6]).toBe("CRASH: Error: boom");
    const lines = renderTable(TABLE_HEADER, rows).split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]!.indexOf("qforge")).toBe(lines[2]!.indexOf("50.0 jobs/s"));
    expect(markdownTable(["a|b"], [["c"]])).toBe("| a\\|b |\n| --- |\n| c |");
  });

  it("names charts after their results file and draws one bar per value", () => {
    expect(svgNameFor("bench/results.json")).toBe("scale.svg");
    expect(svgNameFor("results-before.json")).toBe("scale-before.svg");
    const svg = barChart({
      title: "t <1>",
      yLabel: "jobs/s",
      bars: [
        { label: "1", value: 10 },
        { label: "2", value: 20 },
      ],
      reference: { value: 9.5, label: "0.95×" },
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("t &lt;1&gt;");
    expect(svg.match(/fill="#3b73b9"/g)).toHaveLength(2);
  });
});
