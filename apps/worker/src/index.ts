export { startWorkers, type WorkerSystem } from "./workers.ts";
export { ProviderPool } from "./providers.ts";
