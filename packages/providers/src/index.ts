export * from "./types.ts";
export {
  ProviderError,
  isProviderError,
  parseRetryAfterMs,
  scrubSecrets,
  kindForStatus,
} from "./errors.ts";
export type { ProviderErrorInit } from "./errors.ts";
export { createGroqClient } from "./groq.ts";
export type { GroqClientOptions } from "./groq.ts";
export { createHuggingFaceClient } from "./huggingface.ts";
export type { HuggingFaceClientOptions } from "./huggingface.ts";
