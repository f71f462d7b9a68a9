import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addSecrets } from "./secrets.ts";

// A throwaway redis-server of a test's own, on a free loopback port, with its data in a temporary
// folder: to restart or crash Redis, or configure it differently, without touching the shared one.
// `.ci/run` installs redis-server where it is missing.

export const REDIS_SERVER = process.env.TEST_REDIS_SERVER ?? "redis-server";

export interface ThrowawayRedis {
  port: number;
  /** With the password, e.g. `redis://:pw@127.0.0.1:port`. */
  url: string;
  dir: string;
  /** Everything redis-server printed. */
  output: string[];
  /** SIGTERM: Redis writes and fsyncs its append-only file, then exits. */
  stop(): Promise<void>;
  /** SIGKILL: a crash; up to a second of writes may be lost with `appendfsync everysec`. */
  crash(): Promise<void>;
  /** Starts it again on the same port and folder (it reloads the append-only file). */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

export async function startThrowawayRedis(
  opts: {
    /**
     * Extra `--name value…` settings, e.g. `{ "maxmemory-policy": "allkeys-lru" }` or
     * `{ "rename-command": ["CONFIG", ""] }`.
     */
    config?: Record<string, string | string[]>;
    appendOnly?: boolean;
  } = {},
): Promise<ThrowawayRedis> {
  const dir = await mkdtemp(join(tmpdir(), "qforge-redis-"));
  const port = await freePort();
  const password = `redis-pw-${randomBytes(8).toString("hex")}`;
  addSecrets([password]);
  const output: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();

  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    opts.appendOnly === false ? "no" : "yes",
    "--appendfsync",
    "everysec",
    "--requirepass",
    password,
    ...Object.entries(opts.config ?? {}).flatMap(([k, v]) => [`--${k}`, ...[v].flat()]),
  ];

  const start = async () => {
    const c = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    exited = new Promise((r) => c.once("exit", r));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server not ready:\n${output.join("")}`)),
        20_000,
      );
      const onData = (d: Buffer) => {
        output.push(d.toString());
        if (/Ready to accept connections/.test(output.join(""))) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout!.on("data", onData);
      c.stderr!.on("data", (d: Buffer) => output.push(d.toString()));
      c.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      c.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}):\n${output.join("")}`));
      });
    });
    await ready;
  };
  const signal = async (sig: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill(sig);
      await exited;
    }
  };

  await start();
  return {
    port,
    url: `redis://:${password}@127.0.0.1:${port}`,
    dir,
    output,
    stop: () => signal("SIGTERM"),
    crash: () => signal("SIGKILL"),
    start,
    async close() {
      await signal("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
