import { spawn, type ChildProcess } from "node:child_process";
import { addSecrets, secretsOfEnv, watchOutput } from "./secrets.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

export interface AppProcess {
  child: ChildProcess;
  /** Everything it printed (JSON log lines). */
  output: string[];
  /** Exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(): void;
  signal(sig: NodeJS.Signals): void;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, any>>;
}

export type WorkerProcess = AppProcess;

let spawned = 0;

/**
 * An entry point as `pnpm start:api` / `pnpm start:worker` run it (`node --import tsx`, as in
 * package.json; not pnpm, which adds half a second per start), configured only by `env`. Its
 * output and the secrets in `env` are registered for the after-file secret scan.
 */
export function spawnApp(entry: string, env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout!.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => output.push(d.toString()));
  watchOutput(`${entry} #${++spawned}`, () => output.join(""));
  addSecrets(secretsOfEnv(env));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output,
    exited,
    kill: () => void (alive() && child.kill("SIGKILL")),
    signal: (sig) => void (alive() && child.kill(sig)),
    logs: () =>
      output
        .join("")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, any>];
          } catch {
            return [];
          }
        }),
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `pnpm start:worker` as its own process. */
export function spawnWorker(env: Record<string, string>): AppProcess {
  return spawnApp("apps/worker/src/main.ts", env);
}

/** `pnpm start:api` as its own process. */
export function spawnApi(env: Record<string, string>): AppProcess {
  return spawnApp("apps/api/src/main.ts", env);
}

/** Waits until the process has printed `text`. */
export async function waitForOutput(
  p: AppProcess,
  text: string | RegExp,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const seen = () => {
    const all = p.output.join("");
    return typeof text === "string" ? all.includes(text) : text.test(all);
  };
  while (!seen()) {
    if (p.child.exitCode !== null) throw new Error(`process exited: ${p.output.join("")}`);
    if (Date.now() > deadline) throw new Error(`not seen: ${text}\n${p.output.join("")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the process has logged `workers started`. */
export function workerReady(p: AppProcess, timeoutMs = 20_000): Promise<void> {
  return waitForOutput(p, "workers started", timeoutMs);
}
