import Groq, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "groq-sdk";
import { startDeadline } from "./deadline.ts";
import {
  ProviderError,
  isProviderError,
  kindForStatus,
  parseRetryAfterMs,
  scrubSecrets,
} from "./errors.ts";
import { toChatResult, type Fail } from "./result.ts";
import type { ChatRequest, ChatResult, ProviderKeyClient } from "./types.ts";

export interface GroqClientOptions {
  /** Public id, e.g. `groq#1`. */
  keyId: string;
  apiKey: string;
  /** Without `/openai/v1`; the SDK appends it. Default `https://api.groq.com`. */
  baseURL?: string;
  model: string;
  timeoutMs: number;
}

export function createGroqClient(opts: GroqClientOptions): ProviderKeyClient {
  const { keyId, apiKey, model, timeoutMs } = opts;
  const sdk = new Groq({
    apiKey,
    baseURL: opts.baseURL ?? "https://api.groq.com",
    // The SDK would otherwise retry 408/409/429/5xx itself and sleep whatever `retry-after`
    // says; the orchestrator owns retries and waiting.
    maxRetries: 0,
    timeout: timeoutMs,
  });
  // Upstream text may echo the key back; scrub this exact key as well as key-like patterns.
  const fail: Fail = (init) =>
    new ProviderError({
      ...init,
      provider: "groq",
      keyId,
      detail: init.detail === undefined ? undefined : scrubSecrets(init.detail, [apiKey]),
    });

  async function chat(request: ChatRequest): Promise<ChatResult> {
    // The SDK's own timeout stops at the response headers; this deadline also covers the body.
    const deadline = startDeadline(timeoutMs, request.signal);
    const started = performance.now();
    try {
      const completion: unknown = await sdk.chat.completions.create(
        {
          model,
          messages: request.messages,
          max_tokens: request.maxTokens,
          temperature: request.temperature,
          response_format: request.jsonMode ? { type: "json_object" } : undefined,
        },
        { signal: deadline.signal },
      );
      const latencyMs = Math.round(performance.now() - started);
      return toChatResult(completion, model, latencyMs, fail);
    } catch (err) {
      if (isProviderError(err)) throw err;
      if (deadline.callerAborted()) throw fail({ kind: "aborted" });
      if (deadline.timedOut()) {
        throw fail({ kind: "timeout", message: `${keyId}: timed out after ${timeoutMs} ms` });
      }
      throw mapGroqError(err, fail, timeoutMs, keyId);
    } finally {
      deadline.dispose();
    }
  }

  return { provider: "groq", keyId, model, chat };
}

function mapGroqError(err: unknown, fail: Fail, timeoutMs: number, keyId: string): ProviderError {
  // Order matters: the abort and connection errors are APIError subclasses without a status.
  if (err instanceof APIUserAbortError) return fail({ kind: "aborted" });
  if (err instanceof APIConnectionTimeoutError) {
    return fail({ kind: "timeout", message: `${keyId}: timed out after ${timeoutMs} ms` });
  }
  if (err instanceof APIConnectionError) {
    return fail({ kind: "connection", detail: causeText(err) });
  }
  if (err instanceof APIError && typeof err.status === "number") {
    const kind = kindForStatus(err.status);
    return fail({
      kind,
      status: err.status,
      retryAfterMs: parseRetryAfterMs(err.headers),
      detail: err.message,
    });
  }
  // A 2xx whose body is not JSON (the SDK fails to parse it) or any other surprise.
  if (err instanceof SyntaxError) return fail({ kind: "invalid_output", detail: err.message });
  return fail({ kind: "server", detail: err instanceof Error ? err.message : String(err) });
}

function causeText(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? (cause as { cause?: unknown }).cause : undefined;
  const code = inner instanceof Error ? (inner as { code?: unknown }).code : undefined;
  return [err.message, cause instanceof Error ? cause.message : undefined, code]
    .filter((s) => typeof s === "string" && s.length > 0)
    .join(": ");
}
