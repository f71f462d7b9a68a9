import type { ProviderErrorKind, ProviderKeyClient, TokenUsage } from "@qforge/providers";
import { normalizeText, type Difficulty, type GenerateRequest } from "@qforge/schemas";
import { parseModelAnswer, type ParsedQuestion } from "./parse.ts";
import { buildMessages, maxTokensFor } from "./prompt.ts";

export interface GeneratedQuestion extends ParsedQuestion {
  difficulty: Difficulty;
  normalized: string;
  provider: string;
  model: string;
}

export interface CallRecord {
  provider: string;
  keyId: string;
  ok: boolean;
  /** Set when the call failed: the provider's error kind, or `invalid_output`. */
  errorKind?: ProviderErrorKind;
  usage: TokenUsage;
  latencyMs: number;
}

/** The model kept answering without enough usable questions. */
export class GenerationError extends Error {
  readonly code = "invalid_output" as const;
  constructor(message: string) {
    super(message);
    this.name = "GenerationError";
  }
}

export function isGenerationError(e: unknown): e is GenerationError {
  return e instanceof GenerationError;
}

/** The attempt stopped before a further call because `shouldContinue` said no (e.g. cancelled). */
export class GenerationCancelled extends Error {
  readonly code = "cancelled" as const;
  constructor() {
    super("stopped: the job no longer wants further calls");
    this.name = "GenerationCancelled";
  }
}

export function isGenerationCancelled(e: unknown): e is GenerationCancelled {
  return e instanceof GenerationCancelled;
}

/** Top-up calls allowed, per provider attempt, beyond those the count needs. */
export const MAX_EXTRA_CALLS = 3;

export interface GenerateOptions {
  request: GenerateRequest;
  client: ProviderKeyClient;
  questionsPerCall: number;
  /** Called after every provider call, successful or not, e.g. to record usage. */
  onCall?: (call: CallRecord) => Promise<void> | void;
  /**
   * Asked before every call after the first; false ends the attempt with GenerationCancelled.
   * The call in flight always finishes: this only prevents the next one.
   */
  shouldContinue?: () => Promise<boolean>;
  signal?: AbortSignal;
}

const errorKindOf = (e: unknown): ProviderErrorKind | undefined => {
  const kind = (e as { kind?: unknown } | null)?.kind;
  return typeof kind === "string" ? (kind as ProviderErrorKind) : undefined;
};

/**
 * Asks one provider key for exactly `question_count` questions, at most `questionsPerCall` per
 * call, deduplicated by normalized text, only in requested categories, labelled with the
 * requested difficulty. A provider error ends the attempt (rethrown); answers with too few usable
 * questions are topped up by at most MAX_EXTRA_CALLS more calls.
 */
export async function generateQuestions(options: GenerateOptions): Promise<{
  questions: GeneratedQuestion[];
  calls: CallRecord[];
}> {
  const { request, client, questionsPerCall, onCall, shouldContinue, signal } = options;
  const count = request.question_count;
  const kept: GeneratedQuestion[] = [];
  const seen = new Set<string>();
  const calls: CallRecord[] = [];
  const budget = Math.ceil(count / questionsPerCall) + MAX_EXTRA_CALLS;
  let unusable = 0;

  const record = async (call: CallRecord) => {
    calls.push(call);
    await onCall?.(call);
  };

  while (kept.length < count) {
    if (calls.length >= budget) {
      throw new GenerationError(
        `${client.keyId}: ${kept.length} of ${count} usable questions after ${calls.length} calls` +
          (unusable > 0 ? ` (${unusable} answers had no usable JSON)` : ""),
      );
    }
    if (calls.length > 0 && shouldContinue && !(await shouldContinue())) {
      throw new GenerationCancelled();
    }
    const ask = Math.min(questionsPerCall, count - kept.length);
    const started = Date.now();
    let result;
    try {
      result = await client.chat({
        messages: buildMessages(
          request,
          ask,
          kept.map((q) => q.question),
        ),
        maxTokens: maxTokensFor(ask),
        temperature: 0.7,
        jsonMode: true,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      await record({
        provider: client.provider,
        keyId: client.keyId,
        ok: false,
        errorKind: errorKindOf(error) ?? "connection",
        usage: { promptTokens: 0, completionTokens: 0 },
        latencyMs: Date.now() - started,
      });
      throw error;
    }

    const parsed = parseModelAnswer(result.text, request);
    await record({
      provider: client.provider,
      keyId: client.keyId,
      ok: parsed.usable,
      ...(parsed.usable ? {} : { errorKind: "invalid_output" as const }),
      usage: result.usage,
      latencyMs: result.latencyMs,
    });
    if (!parsed.usable) {
      unusable++;
      continue;
    }
    for (const q of parsed.questions) {
      if (kept.length >= count) break;
      const normalized = normalizeText(q.question);
      if (normalized === "" || seen.has(normalized)) continue;
      seen.add(normalized);
      kept.push({
        ...q,
        difficulty: request.difficulty,
        normalized,
        provider: client.provider,
        model: result.model || client.model,
      });
    }
  }
  return { questions: kept, calls };
}
