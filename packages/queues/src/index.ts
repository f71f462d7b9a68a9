export {
  checkEvictionPolicy,
  createRedis,
  evictionPolicyWarning,
  type ConnectionRole,
} from "./connection.ts";
export * from "./catalog.ts";
export * from "./events.ts";
export * from "./webhooks.ts";
export { within } from "./within.ts";
