export {
  Orchestrator,
  outcomeFor,
  redisKeys,
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
