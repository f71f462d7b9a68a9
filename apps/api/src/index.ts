export { createApp, type AppDeps } from "./app.ts";
export { startApi, entryQueueName, type ApiServer } from "./server.ts";
export { tenantIdFor, ANONYMOUS_TENANT } from "./auth.ts";
