export { addressRange, isPublicAddress } from "./address.ts";
export {
  assertPublicAddress,
  checkUrlShape,
  checkWebhookUrl,
  hostOf,
  isWebhookUrlRefused,
  publicOnlyLookup,
  WebhookUrlRefused,
  type LookupFunction,
  type UrlCheckOptions,
} from "./ssrf.ts";
export {
  createTenantSecrets,
  deriveTenantSecret,
  generateMasterSecret,
  signatureHeaders,
  type TenantSecrets,
} from "./signing.ts";
export {
  createWebhookSender,
  DELIVERY_TIMEOUT_MS,
  type DeliveryOutcome,
  type WebhookMessage,
  type WebhookSender,
  type WebhookSenderOptions,
} from "./deliver.ts";
