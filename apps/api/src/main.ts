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
  if (stopping) {
    logger.warn({ signal }, "second signal: exiting now");
    process.exit(1);
  }
  stopping = true;
  logger.info(
    { signal, timeoutMs: config.shutdownTimeoutMs },
    "shutting down: no new connections; draining requests",
  );
  // Whatever hangs below (a store out of reach), the process still ends.
  setTimeout(() => {
    logger.error("shutdown did not complete in time: exiting");
    process.exit(1);
  }, config.shutdownTimeoutMs + 5000).unref();
  const drained = await api.close(config.shutdownTimeoutMs);
  logger.info({ drained }, "api stopped");
  process.exit(0);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
