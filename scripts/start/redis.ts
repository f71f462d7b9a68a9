// The redis-server of `pnpm start` when REDIS_URL is unset: a child process with an append-only
// file in `<home>/redis`, `noeviction` (BullMQ must never lose a key to eviction), loopback only,
// a password made for this run, and a fresh free port at each start.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, createWriteStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { delimiter, isAbsolute, resolve } from "node:path";
import { freePort, StartError, stopLeftover } from "./home.ts";

export interface RunningRedis {
  url: string;
  port: number;
  pid: number;
  /** Resolves when the server exits, with its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM: Redis fsyncs the append-only file and exits. */
  stop(): Promise<void>;
}

const HOW_TO_GET_REDIS = [
  "`pnpm start` runs a redis-server of its own when REDIS_URL is unset, and none was found.",
  "Install one, then run `pnpm start` again:",
  "  Debian/Ubuntu:  sudo apt-get install -y redis-server",
  "  macOS:          brew install redis",
  "  Docker:         docker run -d -p 6379:6379 redis:7 --appendonly yes --maxmemory-policy noeviction",
  "                  and then REDIS_URL=redis://127.0.0.1:6379 pnpm start",
  "Or set REDIS_URL to a Redis you already have (QFORGE_REDIS_SERVER may name the binary).",
].join("\n");

/** The redis-server binary: QFORGE_REDIS_SERVER, else the first on PATH; fails with how-to. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string {
  const name = env.QFORGE_REDIS_SERVER?.trim() || "redis-server";
  const candidates =
    isAbsolute(name) || name.includes("/")
      ? [resolve(name)]
      : (env.PATH ?? "").split(delimiter).map((dir) => resolve(dir || ".", name));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  throw new StartError(HOW_TO_GET_REDIS);
}

// redis.conf quoting: a double-quoted string with backslash escapes.
const quote = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export async function startRedis(home: string, binary: string): Promise<RunningRedis> {
  const dir = resolve(home, "redis");
  await mkdir(dir, { recursive: true });
  const pidFile = resolve(dir, "redis.pid");
  await stopLeftover(pidFile, (cmd) => cmd.includes("redis"), "SIGTERM");

  const port = await freePort();
  const password = randomBytes(18).toString("hex");
  // Given on stdin (`redis-server -`), so the password never shows in `ps`.
  const config = [
    `port ${port}`,
    "bind 127.0.0.1",
    "protected-mode yes",
    `dir ${quote(dir)}`,
    `pidfile ${quote(pidFile)}`,
    "appendonly yes",
    "appendfsync everysec",
    'save ""',
    "maxmemory-policy noeviction",
    `requirepass ${password}`,
    "daemonize no",
    'logfile ""',
  ].join("\n");

  const logFile = resolve(home, "redis.log");
  const log = createWriteStream(logFile, { flags: "a" });
  const child: ChildProcess = spawn(binary, ["-"], { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin!.end(`${config}\n`);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));

  const ready = await new Promise<boolean>((ok) => {
    let seen = "";
    // A large append-only file takes a while to load before Redis says it is ready.
    const timer = setTimeout(() => ok(false), 120_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4096);
      if (/Ready to accept connections/.test(seen)) {
        clearTimeout(timer);
        ok(true);
      }
    });
    child.once("error", () => ok(false));
    void exited.then(() => ok(false));
  });
  if (!ready) {
    child.kill("SIGKILL");
    const text = (await readFile(logFile, "utf8").catch(() => "")).trimEnd();
    throw new StartError(
      `redis-server (${binary}) did not start. Its log, ${logFile}, ends with:\n` +
        `${text.split("\n").slice(-10).join("\n")}\nSet REDIS_URL to use a Redis of your own instead.`,
    );
  }

  return {
    url: `redis://:${password}@127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
      log.end();
    },
  };
}
