export { createDatabase, type Database } from "./client.ts";
export { newId, isId } from "./ids.ts";
export * from "./lifecycle.ts";
export * from "./submissions.ts";
export * from "./reads.ts";
export { batchView, jobView, questionView } from "./views.ts";
export { migrate, MigrationError } from "./migrate.ts";
export { seedBank } from "./seed.ts";
export { isStoreUnavailable } from "./unavailable.ts";
export { findReusableQuestions, roleKey } from "./reuse.ts";
export * from "./control.ts";
export {
  deliveryView,
  ensureSetting,
  getWebhookDelivery,
  listWebhookDeliveries,
  pendingWebhookDeliveries,
  recordDeliveryAttempt,
  WEBHOOK_SECRET_SETTING,
} from "./webhooks.ts";
export { CURATED_BANK, type BankEntry, type RoleBank } from "./bank/curated.ts";
export { BANK_ROLES, matchBankRole, type BankRole } from "./bank/roles.ts";
export { poolOf } from "./client.ts";
export { sqlOf, sqlTransaction, prismaSql, type Sql } from "./sql.ts";
