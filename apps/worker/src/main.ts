import { loadConfigOrExit, secretValues } from "@qforge/config";
import { createDatabase } from "@qforge/database";
import { createLogger, registerSecrets } from "@qforge/logger";
import { startWorkers } from "./workers.ts";

const config = await loadConfigOrExit();
registerSecrets(secretValues(config));
const logger = createLogger({ level: config.logLevel, name: "qforge-worker" });
const db = createDatabase(config.databaseUrl, {
  poolSize: Math.min(20, config.workerConcurrency + 2),
});
const system = startWorkers(config, db, logger);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) {
    logger.warn({ signal }, "second signal: exiting now");
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, "shutting down: finishing active jobs");
  await system.close();
  await db.$disconnect();
  logger.info("worker stopped");
  process.exit(0);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
