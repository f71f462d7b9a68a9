import {
  InferenceClient,
  InferenceClientProviderApiError,
  InferenceClientProviderOutputError,
} from "@huggingface/inference";
import { startDeadline } from "./deadline.ts";
import {
  ProviderError,
  isProviderError,
  kindForStatus,
  parseRetryAfterMs,
  scrubSecrets,
} from "./errors.ts";
import { toChatResult, type Fail } from "./result.ts";
import type { ChatRequest, ChatResult, ProviderKeyClient, ProviderName } from "./types.ts";

export interface HuggingFaceClientOptions {
  /** Public id, e.g. `huggingface#1`. */
  keyId: string;
  token: string;
  /** A dedicated endpoint; the SDK posts to `{endpointUrl}/v1/chat/completions`. Unset: the router. */
  endpointUrl?: string;
  model: string;
  timeoutMs: number;
  /**
   * The name this client records its calls under. Any OpenAI-compatible server speaks the
   * protocol of an HF endpoint (`{url}/v1/chat/completions`), so `openai_compat` uses this client.
   */
  provider?: ProviderName;
}

export function createHuggingFaceClient(opts: HuggingFaceClientOptions): ProviderKeyClient {
  const { keyId, token, model, timeoutMs } = opts;
  const provider = opts.provider ?? "huggingface";
  // retry_on_error: false here and per call: by default the SDK re-sends a 503 at once, forever.
  const sdk = new InferenceClient(token, {
    retry_on_error: false,
    ...(opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}),
  });
  // Upstream text may echo the key back; scrub this exact key as well as key-like patterns.
  const fail: Fail = (init) =>
    new ProviderError({
      ...init,
      provider,
      keyId,
      detail: init.detail === undefined ? undefined : scrubSecrets(init.detail, [token]),
    });

  async function chat(request: ChatRequest): Promise<ChatResult> {
    // The SDK has no timeout option; the deadline's signal reaches its fetch (headers and body).
    const deadline = startDeadline(timeoutMs, request.signal);
    // The SDK's errors drop the response headers; keep them to read `retry-after` on a 429.
    let lastHeaders: Headers | undefined;
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      lastHeaders = response.headers;
      return response;
    };
    const started = performance.now();
    try {
      const output: unknown = await sdk.chatCompletion(
        {
          model,
          // Plain objects: the SDK's message type has an index signature our interface lacks.
          messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
          max_tokens: request.maxTokens,
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        },
        { signal: deadline.signal, retry_on_error: false, fetch: recordingFetch },
      );
      const latencyMs = Math.round(performance.now() - started);
      return toChatResult(output, model, latencyMs, fail);
    } catch (err) {
      if (isProviderError(err)) throw err;
      if (deadline.callerAborted()) throw fail({ kind: "aborted" });
      if (deadline.timedOut()) {
        throw fail({ kind: "timeout", message: `${keyId}: timed out after ${timeoutMs} ms` });
      }
      throw mapHfError(err, fail, lastHeaders);
    } finally {
      deadline.dispose();
    }
  }

  return { provider, keyId, model, chat };
}

function mapHfError(err: unknown, fail: Fail, headers: Headers | undefined): ProviderError {
  if (err instanceof InferenceClientProviderApiError) {
    const status = err.httpResponse.status;
    return fail({
      kind: kindForStatus(status),
      status,
      retryAfterMs: parseRetryAfterMs(headers),
      detail: err.message,
    });
  }
  if (err instanceof InferenceClientProviderOutputError) {
    return fail({ kind: "invalid_output", detail: err.message });
  }
  // A 2xx whose JSON body does not parse.
  if (err instanceof SyntaxError) return fail({ kind: "invalid_output", detail: err.message });
  // Node's fetch rejects with `TypeError: fetch failed` (cause: ECONNREFUSED, socket hang up, …).
  if (err instanceof TypeError) return fail({ kind: "connection", detail: describe(err) });
  // Input/routing errors (bad model id, endpointUrl with a provider): our configuration is wrong.
  if (err instanceof Error && /InputError|RoutingError/.test(err.name)) {
    return fail({ kind: "bad_request", detail: err.message });
  }
  return fail({ kind: "server", detail: err instanceof Error ? err.message : String(err) });
}

function describe(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  if (!(cause instanceof Error)) return err.message;
  const code = (cause as { code?: unknown }).code;
  return `${err.message}: ${cause.message}${typeof code === "string" ? ` (${code})` : ""}`;
}
