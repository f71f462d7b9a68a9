// Summarises a V8 CPU profile (as written with BENCH_CPU_PROF): self time by package and by
// function, busy time only (idle and the profiler's own "(program)" left out of the shares).
//   node --import tsx bench/src/profile.ts <file.cpuprofile> [--top 40]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "40" },
    // Also: the call paths (up to `depth` frames) that lead to the functions of this name.
    callers: { type: "string" },
    depth: { type: "string", default: "6" },
  },
});
const file = positionals[0];
if (!file) {
  console.error("usage: profile.ts <file.cpuprofile> [--top N] [--callers NAME [--depth N]]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

/** Where a function lives: an npm package, one of ours, node itself, or V8's own buckets. */
function group(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native)";
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return "node:" + url.slice(5).split("/")[0];
  const ours = /\/(apps|packages|test|bench)\/([^/]+)/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url;
}

const groups = new Map<string, number>();
const fns = new Map<string, number>();
let busy = 0;
let total = 0;
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  const { functionName, url, lineNumber } = node.callFrame;
  total += us;
  if (functionName === "(idle)" || functionName === "(program)") continue;
  busy += us;
  const g = group(url, functionName);
  groups.set(g, (groups.get(g) ?? 0) + us);
  const key = `${functionName || "(anonymous)"}  ${g}${url ? `:${lineNumber + 1}` : ""}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}

const top = Number(values.top);
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${k}`,
    );
  }
};
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy ` +
    `(${((100 * busy) / total).toFixed(0)} %)`,
);
print("self time by package", groups);
print("self time by function", fns);

if (values.callers) {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const paths = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName !== values.callers) continue;
    const frames: string[] = [];
    for (
      let at: number | undefined = id, i = 0;
      at !== undefined && i <= Number(values.depth);
      i++
    ) {
      const f = byId.get(at)!.callFrame;
      frames.push(
        `${f.functionName || "(anonymous)"}@${group(f.url, f.functionName)}:${f.lineNumber + 1}`,
      );
      at = parent.get(at);
    }
    const key = frames.join(" < ");
    paths.set(key, (paths.get(key) ?? 0) + us);
  }
  print(`call paths to ${values.callers}`, paths);
}
