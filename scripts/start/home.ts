// The folder where `pnpm start` keeps what it provides itself: the embedded Postgres cluster, the
// Redis append-only file, the generated Bull Board password and a lock naming the running start.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** `QFORGE_HOME`, else `.qforge` in the repository (gitignored). */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.QFORGE_HOME?.trim();
  return chosen ? resolve(chosen) : resolve(ROOT, ".qforge");
}

export async function ensureHome(home: string): Promise<void> {
  await mkdir(home, { recursive: true });
}

/** A secret kept in `home/name` (mode 0600): read when present, else generated and stored. */
export async function readOrCreateSecret(home: string, name: string): Promise<string> {
  const file = resolve(home, name);
  try {
    const value = (await readFile(file, "utf8")).trim();
    if (value) return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  // Hex: safe inside URLs and config files without escaping.
  const value = randomBytes(18).toString("hex");
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", ok);
  });
  const address = server.address();
  await new Promise((ok) => server.close(ok));
  if (typeof address !== "object" || !address) throw new Error("no free port");
  return address.port;
}

/** Whether `host:port` can be listened on now. */
export async function portIsFree(host: string, port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((ok) => {
    server.once("error", () => ok(false));
    server.listen(port, host, () => server.close(() => ok(true)));
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The command line of a live process, where the system shows it (Linux `/proc`); undefined
 * elsewhere. Used before signalling a pid read from a file, so a reused pid is left alone.
 */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return undefined;
  }
}

export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/**
 * A process left running by an earlier start that did not get to stop it (killed with SIGKILL):
 * stop it, so its data folder can be used again. `looksLike` guards against a reused pid.
 */
export async function stopLeftover(
  pidFile: string,
  looksLike: (cmdline: string) => boolean,
  signal: NodeJS.Signals,
): Promise<number | undefined> {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const cmdline = commandLine(pid);
  if (cmdline !== undefined && !looksLike(cmdline)) return undefined;
  process.kill(pid, signal);
  if (!(await waitForExit(pid, 15_000))) process.kill(pid, "SIGKILL");
  await waitForExit(pid, 5_000);
  return pid;
}

export interface Lock {
  release(): Promise<void>;
}

/**
 * One `pnpm start` per data folder: two would fight over the same Postgres cluster and Redis
 * files. A lock left by a start that died is taken over.
 */
export async function acquireLock(home: string): Promise<Lock> {
  const file = resolve(home, "start.pid");
  if (existsSync(file)) {
    const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
    const cmdline = Number.isInteger(pid) && pid > 0 ? commandLine(pid) : undefined;
    const running =
      Number.isInteger(pid) &&
      pid !== process.pid &&
      isAlive(pid) &&
      (cmdline === undefined || cmdline.includes("start"));
    if (running) {
      throw new StartError(
        `qforge is already running from ${home} (pid ${pid}). Stop it first, or set QFORGE_HOME ` +
          `to another folder to run a second one.`,
      );
    }
  }
  await writeFile(file, `${process.pid}\n`);
  return { release: () => rm(file, { force: true }) };
}

/** A start-up failure with a message for the person at the terminal (no stack trace). */
export class StartError extends Error {
  override name = "StartError";
}

/**
 * As root, Postgres runs as the `postgres` user, which must be able to walk down to its data
 * folder; a home under `/root` (mode 0700) would stop it with an obscure error.
 */
export async function checkReachableByPostgresUser(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  // The data folder's own parent is ours to open up (a fresh temporary folder is 0700).
  const parent = dirname(dir);
  const mode = (await stat(parent)).mode;
  if ((mode & 0o001) === 0) await chmod(parent, mode | 0o011);
  for (let d = dirname(parent); ; d = dirname(d)) {
    const s = await stat(d);
    if ((s.mode & 0o001) === 0) {
      throw new StartError(
        `Running as root, Postgres runs as the "postgres" user, which cannot enter ${d}. ` +
          `Set QFORGE_HOME to a folder it can reach (e.g. /var/lib/qforge), run as a normal ` +
          `user, or set DATABASE_URL to a Postgres you have.`,
      );
    }
    if (d === dirname(d)) break;
  }
}
