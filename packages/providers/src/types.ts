export const PROVIDER_NAMES = ["groq", "huggingface", "openai_compat"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  maxTokens: number;
  temperature?: number;
  /** Ask for a JSON object where the provider supports it (the prompt must still ask for JSON). */
  jsonMode?: boolean;
  /** Aborts the call (shutdown, cancel); the per-call timeout is the client's own. */
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResult {
  text: string;
  usage: TokenUsage;
  model: string;
  latencyMs: number;
}

/** One provider account (one API key or token), talking through that provider's real SDK. */
export interface ProviderKeyClient {
  readonly provider: ProviderName;
  /** Public id of the key, e.g. `groq#1`; never the secret. */
  readonly keyId: string;
  readonly model: string;
  chat(request: ChatRequest): Promise<ChatResult>;
}

/**
 * Why a call failed. The orchestrator decides from the kind alone: `rate_limited` is a signal to
 * wait, `auth` disables the key, the rest count against the key's health.
 */
export type ProviderErrorKind =
  | "rate_limited"
  | "auth"
  | "timeout"
  | "server"
  | "connection"
  | "bad_request"
  | "invalid_output"
  | "aborted";
