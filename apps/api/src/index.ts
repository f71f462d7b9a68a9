export { createApp, type AppDeps } from "./app.ts";
export {
  startApi,
  entryQueueName,
  HEADERS_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  type ApiServer,
} from "./server.ts";
export { tenantIdFor, ANONYMOUS_TENANT } from "./auth.ts";
