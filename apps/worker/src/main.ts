import { loadConfigOrExit, secretValues } from "@qforge/config";
import { createDatabase } from "@qforge/database";
import { createLogger, registerSecrets } from "@qforge/logger";
import { startWorkers } from "./workers.ts";

const config = await loadConfigOrExit();
registerSecrets(secretValues(config));
const logger = createLogger({ level: config.logLevel, name: "qforge-worker" });
// A worker's commits do not wait for the disk. Every job transition updates its batch's row, and
// waiting for the WAL flush while holding that row lock queues every other worker behind it (on
// 2 cores, 4 worker processes ran at 0.55x the speed of one). What a Postgres crash can lose
// is the last fraction of a second of transitions, never a job: the BullMQ job has ended, so
// housekeeping finds the row still queued or active and queues it again, and it runs once more
// (transitions are idempotent). Transactions that record a webhook event commit durably.
const db = createDatabase(config.databaseUrl, {
  poolSize: Math.min(20, config.workerConcurrency + 2),
  asyncCommit: true,
  // Its statements (job transitions, key usage, reuse lookups, housekeeping) find rows by key.
  preferIndexes: true,
});
const system = startWorkers(config, db, logger);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) {
    logger.warn({ signal }, "second signal: exiting now");
    process.exit(1);
  }
  stopping = true;
  logger.info(
    { signal, timeoutMs: config.shutdownTimeoutMs },
    "shutting down: no new jobs; finishing active jobs",
  );
  // Whatever hangs below (a store out of reach), the process still ends.
  setTimeout(() => {
    logger.error("shutdown did not complete in time: exiting");
    process.exit(1);
  }, config.shutdownTimeoutMs + 5000).unref();
  const finished = await system.close(config.shutdownTimeoutMs);
  await Promise.race([db.$disconnect(), new Promise((r) => setTimeout(r, 2000).unref())]);
  logger.info({ finished }, "worker stopped");
  process.exit(0);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
