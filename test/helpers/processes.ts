import { spawn, type ChildProcess } from "node:child_process";

const ROOT = new URL("../..", import.meta.url).pathname;
const TSX = `${ROOT}node_modules/.bin/tsx`;

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed (JSON log lines). */
  output: string[];
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(): void;
}

/** `pnpm start:worker` as its own process (tsx directly: pnpm adds half a second per start). */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(TSX, ["apps/worker/src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout!.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    output,
    exited,
    kill: () => void child.kill("SIGKILL"),
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until the process has logged `workers started`. */
export async function workerReady(p: WorkerProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!p.output.join("").includes("workers started")) {
    if (p.child.exitCode !== null) throw new Error(`worker exited: ${p.output.join("")}`);
    if (Date.now() > deadline) throw new Error(`worker not ready: ${p.output.join("")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
