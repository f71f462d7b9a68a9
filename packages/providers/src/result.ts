import type { ProviderError, ProviderErrorInit } from "./errors.ts";
import type { ChatResult } from "./types.ts";

/** Builds a ProviderError for one client: provider and keyId are filled in. */
export type Fail = (init: Omit<ProviderErrorInit, "provider" | "keyId">) => ProviderError;

/** Reads an OpenAI-format completion defensively: the server may not be the real Groq. */
export function toChatResult(
  body: unknown,
  model: string,
  latencyMs: number,
  fail: Fail,
): ChatResult {
  if (
    typeof body !== "object" ||
    body === null ||
    !Array.isArray((body as { choices?: unknown }).choices)
  ) {
    throw fail({ kind: "invalid_output", detail: "response is not a chat completion" });
  }
  const b = body as {
    choices: Array<{ message?: { content?: unknown } } | undefined>;
    usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
    model?: unknown;
  };
  const content = b.choices[0]?.message?.content;
  return {
    text: typeof content === "string" ? content : "",
    usage: {
      promptTokens: tokenCount(b.usage?.prompt_tokens),
      completionTokens: tokenCount(b.usage?.completion_tokens),
    },
    model: typeof b.model === "string" && b.model.length > 0 ? b.model : model,
    latencyMs,
  };
}

/** A whole, bounded count: a provider's odd number must not fail the write of a good answer. */
function tokenCount(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.min(Math.trunc(v), 1e9) : 0;
}
