// CPU time and resident memory of processes, read from /proc (Linux). CPU is utime + stime in
// clock ticks (USER_HZ, 100 on Linux).
import { readFileSync } from "node:fs";

const TICK_MS = 10;

/** CPU ms the process has used so far, or null when it is gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces), from field 3 on.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) * TICK_MS;
  } catch {
    return null;
  }
}

/** VmRSS in bytes, or null when the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** Which pids make up each component, asked at every sample (postgres backends come and go). */
export type PidGroups = () => Promise<Record<string, number[]>>;

export interface CpuUse {
  /** CPU ms per component over the sampled span. */
  byComponent: Record<string, number>;
  wallMs: number;
}

/**
 * Samples the groups' CPU every `intervalMs` until stop(). A pid seen at the first sample counts
 * from its value then; one first seen later started during the span and counts from zero; a pid
 * that disappears keeps its last value.
 */
export function sampleCpu(groups: PidGroups, intervalMs = 500) {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  const started = Date.now();
  let sampled = 0;
  let stopped = false;

  const sample = async () => {
    const g = await groups();
    for (const [component, pids] of Object.entries(g)) {
      for (const pid of pids) {
        const key = `${component}:${pid}`;
        const v = cpuMs(pid);
        if (v === null) continue;
        if (!first.has(key)) first.set(key, sampled === 0 ? v : 0);
        last.set(key, v);
      }
    }
    sampled++;
  };
  const firstSample = sample();
  const loop = (async () => {
    await firstSample;
    while (!stopped) {
      await new Promise((r) => setTimeout(r, intervalMs));
      if (!stopped) await sample().catch(() => {});
    }
  })();

  return {
    ready: firstSample,
    async stop(): Promise<CpuUse> {
      stopped = true;
      await loop;
      await sample();
      const byComponent: Record<string, number> = {};
      for (const [key, v] of last) {
        const component = key.slice(0, key.lastIndexOf(":"));
        byComponent[component] = (byComponent[component] ?? 0) + (v - (first.get(key) ?? 0));
      }
      return { byComponent, wallMs: Date.now() - started };
    },
  };
}
