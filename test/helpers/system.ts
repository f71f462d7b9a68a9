import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { startApi, type ApiServer } from "@qforge/api";
import { loadConfig, secretValues, type Config } from "@qforge/config";
import { createLogger, registerSecrets, type Logger } from "@qforge/logger";
import { createDatabase, type Database } from "@qforge/database";
import { startWorkers, type WorkerSystem } from "@qforge/worker";
import { addSecrets, watchOutput } from "./secrets.ts";
import { createTestDatabase, TEST_REDIS_URL, uniqueName } from "./services.ts";

/** Every log line written by the system under test, for assertions (e.g. no secrets). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  constructor(name = "in-process logs") {
    super();
    // Scanned for secrets after the file (test/helpers/secret-scan.ts).
    watchOutput(name, () => this.text);
  }
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join("\n");
  }
}

export interface TestSystem {
  config: Config;
  api: ApiServer;
  workers: WorkerSystem | undefined;
  /** Direct access to this system's database (never through a proxy), for assertions. */
  db: Database;
  logs: LogCapture;
  logger: Logger;
  /** Fetches a path of the API with the given key. */
  call(
    path: string,
    init?: { method?: string; body?: unknown; key?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * The whole system in this process: API on a free loopback port and the workers, against a
 * database of its own and a Redis prefix of its own. `env` is what a deployment would set.
 */
export async function startSystem(
  env: Record<string, string> = {},
  opts: {
    workers?: boolean;
    /** Rewrites the database URL the system uses (e.g. through a fault proxy). */
    databaseUrl?: (url: string) => string;
  } = {},
): Promise<TestSystem> {
  const database = await createTestDatabase();
  const prefix = uniqueName("qft");
  const config = loadConfig({
    DATABASE_URL: opts.databaseUrl ? opts.databaseUrl(database.url) : database.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: "info",
    JOB_BACKOFF_MS: "50",
    ...env,
  });
  registerSecrets(secretValues(config));
  addSecrets(secretValues(config));
  const logs = new LogCapture();
  const logger = createLogger({ level: config.logLevel, name: "qforge-test" }, logs);
  const api = await startApi(config, logger, { host: "127.0.0.1", port: 0 });
  const workerDb = createDatabase(config.databaseUrl, { poolSize: config.workerConcurrency + 2 });
  const workers = opts.workers === false ? undefined : startWorkers(config, workerDb, logger);
  // The test's own view of the database, always direct.
  const db = createDatabase(database.url, { poolSize: 3 });

  return {
    config,
    api,
    workers,
    db,
    logs,
    logger,
    async call(path, init = {}) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (init.key) headers.authorization = `Bearer ${init.key}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
        headers["content-type"] ??= "application/json";
      }
      const res = await fetch(api.url + path, { method: init.method ?? "GET", headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await workers?.close(5000);
      await api.close();
      await workerDb.$disconnect();
      await db.$disconnect();
      const redis = new Redis(TEST_REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
      await database.drop();
    },
  };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
