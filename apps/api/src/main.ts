import { loadConfigOrExit, secretValues } from "@qforge/config";
import { createLogger, registerSecrets } from "@qforge/logger";
import { startApi } from "./server.ts";

const config = await loadConfigOrExit();
registerSecrets(secretValues(config));
const logger = createLogger({ level: config.logLevel, name: "qforge-api" });

const api = await startApi(config, logger);
logger.info({ url: api.url }, `qforge API listening on ${api.url}`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) process.exit(1);
  stopping = true;
  logger.info({ signal }, "shutting down: draining requests");
  const force = setTimeout(() => process.exit(1), 15_000);
  force.unref();
  await api.close();
  logger.info("api stopped");
  process.exit(0);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
