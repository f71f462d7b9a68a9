// Processes the bench spawns: the fake provider, qforge's API and workers (as `pnpm start:api` /
// `pnpm start:worker` run them: `node --import tsx <entry>`, configured only by env), baselines.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import type { FakeStats } from "../../../test/fake-provider/server.ts";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const PROBE = fileURLToPath(new URL("./probe.ts", import.meta.url));

export interface MemoryReading {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The last lines it printed (bounded). */
  tail(): string;
  exited: Promise<number | null>;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** RSS and heap after a GC, asked over IPC (see probe.ts). */
  memory(timeoutMs?: number): Promise<MemoryReading>;
}

const MAX_TAIL = 200;

/**
 * With BENCH_CPU_PROF set to a directory, every spawned process writes V8 CPU profiles into
 * `<dir>/<name>-<ms>/` as it exits, one per thread (the main thread's is the largest). Open them
 * in Chrome DevTools, or summarise with `node --import tsx bench/src/profile.ts <file>`.
 */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;

/**
 * BENCH_NODE_FLAGS: node flags (space-separated) for every spawned process, qforge's and the
 * baselines' alike, for experiments (`--single-threaded-gc`, `--max-semi-space-size=64` …).
 */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);

/** `node --import tsx [--import probe] <entry>` with exactly `env` (plus PATH and HOME). */
export function spawnNode(name: string, entry: string, env: Record<string, string>): Proc {
  const profile = CPU_PROF_DIR
    ? [
        "--cpu-prof",
        `--cpu-prof-dir=${CPU_PROF_DIR}/${name.replace(/[^\w.-]+/g, "_")}-${Date.now()}`,
      ]
    : [];
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, ...profile, "--expose-gc", "--import", "tsx", "--import", PROBE, entry],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    },
  );
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${entry}`);
  const lines: string[] = [];
  const keep = (d: Buffer) => {
    lines.push(d.toString());
    if (lines.length > MAX_TAIL) lines.splice(0, lines.length - MAX_TAIL);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  child.on("error", () => {});
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  let waiting: Array<(m: MemoryReading) => void> = [];
  child.on("message", (m: unknown) => {
    if (typeof m === "object" && m !== null && (m as { type?: unknown }).type === "bench:memory") {
      const r = m as MemoryReading;
      const w = waiting;
      waiting = [];
      for (const resolve of w) resolve(r);
    }
  });
  return {
    name,
    child,
    pid: child.pid,
    tail: () => lines.join("").slice(-4000),
    exited,
    alive,
    async stop(graceMs = 15_000) {
      if (!alive()) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => alive() && child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    memory(timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no memory reading`)), timeoutMs);
        waiting.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
        child.send("bench:memory");
      });
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value other than undefined/false. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 50,
  alive?: () => void,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    alive?.();
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(intervalMs);
  }
}

/** Throws with the process's last output when it has exited. */
export function ensureAlive(...procs: Proc[]): void {
  for (const p of procs) {
    if (!p.alive()) throw new Error(`${p.name} exited early:\n${p.tail()}`);
  }
}

export interface FakeHandle {
  proc: Proc;
  url: string;
}

/** The fake provider in its own process (test/fake-provider/main.ts). */
export async function startFake(
  opts: { rpm?: number; record?: boolean } = {},
): Promise<FakeHandle> {
  const proc = spawnNode("fake-provider", "test/fake-provider/main.ts", {
    FAKE_RPM: String(opts.rpm ?? 0),
    FAKE_RECORD_CALLS: opts.record === false ? "0" : "1",
  });
  const url = await until(
    "the fake provider's url",
    async () => {
      const m = /\{"url":"([^"]+)"\}/.exec(proc.tail());
      return m?.[1];
    },
    20_000,
    50,
    () => ensureAlive(proc),
  );
  return { proc, url };
}

export type { FakeStats };

export async function fakeStats(url: string): Promise<FakeStats> {
  const res = await fetch(`${url}/__control/stats`);
  if (!res.ok) throw new Error(`fake stats: HTTP ${res.status}`);
  return (await res.json()) as FakeStats;
}

export async function fakeReset(url: string): Promise<void> {
  const res = await fetch(`${url}/__control/reset`, { method: "POST" });
  if (!res.ok) throw new Error(`fake reset: HTTP ${res.status}`);
}
