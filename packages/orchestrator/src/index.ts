export {
  Orchestrator,
  outcomeFor,
  redisKeys,
  statsKey,
  utcDay,
  UNHEALTHY_AFTER,
  type AcquireResult,
  type AlertEvent,
  type BlockKind,
  type KeyBlock,
  type Lease,
  type OrchestratorKey,
  type OrchestratorOptions,
  type Outcome,
  type SettleInput,
} from "./orchestrator.ts";
export {
  dailyPercent,
  keyIdsOf,
  readProviderStatus,
  type KeyStatus,
  type ProviderStatus,
} from "./status.ts";
export { LATENCY_BUCKETS_MS } from "./scripts.ts";
