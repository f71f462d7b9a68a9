// `pnpm start`: the whole system in one process tree — migrations, the curated bank, the API and
// every worker — against DATABASE_URL and REDIS_URL.
import pg from "pg";
import { startApi } from "@qforge/api";
import { loadConfigOrExit, secretValues } from "@qforge/config";
import { createDatabase, migrate, seedBank } from "@qforge/database";
import { createLogger, registerSecrets } from "@qforge/logger";
import { startWorkers } from "@qforge/worker";

const config = await loadConfigOrExit();
registerSecrets(secretValues(config));
const logger = createLogger({ level: config.logLevel, name: "qforge" });

/** Creates the database named in DATABASE_URL when it does not exist yet. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
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

await ensureDatabase(config.databaseUrl);
const { applied } = await migrate(config.databaseUrl);
logger.info({ applied }, `migrations: ${applied.length} applied`);
const seedDb = createDatabase(config.databaseUrl, { poolSize: 2 });
const seeded = await seedBank(seedDb);
await seedDb.$disconnect();
logger.info(seeded, "question bank loaded");

const db = createDatabase(config.databaseUrl, { poolSize: config.workerConcurrency + 4 });
const workers = startWorkers(config, db, logger);
const api = await startApi(config, logger);

const providers = config.providers.map((p) => `${p.name} (${p.keys.length} key(s))`);
process.stdout.write(
  [
    "",
    `qforge is running`,
    `  API:        ${api.url}/api/v1`,
    `  providers:  ${providers.length ? providers.join(", ") : "none configured: jobs will fail with no_provider"}`,
    `  auth:       ${config.apiKeys ? "API_KEYS (bearer)" : "off (API_KEYS unset)"}`,
    `  try:        curl -s -X POST '${api.url}/api/v1/questions/generate?wait=30' \\`,
    `                -H 'content-type: application/json'${config.apiKeys ? " -H 'authorization: Bearer <key>'" : ""} \\`,
    `                -d '{"role":"Backend Engineer","difficulty":"medium","question_count":3}'`,
    "",
  ].join("\n") + "\n",
);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) process.exit(1);
  stopping = true;
  logger.info({ signal }, "shutting down");
  await api.close();
  await workers.close();
  await db.$disconnect();
  process.exit(0);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
