export { startWorkers, type WorkerSystem } from "./workers.ts";
export { providerKeys } from "./providers.ts";
export { LeaseShelf } from "./shelf.ts";
