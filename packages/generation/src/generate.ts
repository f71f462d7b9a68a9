import type {
  ChatRequest,
  ChatResult,
  ProviderErrorKind,
  ProviderKeyClient,
  TokenUsage,
} from "@qforge/providers";
import { normalizeText, type Difficulty, type GenerateRequest } from "@qforge/schemas";
import { parseModelAnswer, type ParsedQuestion } from "./parse.ts";
import { buildMessages, maxTokensFor } from "./prompt.ts";

export interface GeneratedQuestion extends ParsedQuestion {
  difficulty: Difficulty;
  normalized: string;
  /** Null for questions that came from the curated bank. */
  provider: string | null;
  model: string | null;
  /** Where it came from; questions generated here are `ai`. */
  source?: "cache" | "bank" | "ai";
  bank_role?: string | null;
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

/** One answer from a provider, with the key that gave it. */
export interface RoutedAnswer extends ChatResult {
  provider: string;
  keyId: string;
}

/**
 * Where calls go. The orchestrator's router picks a key for every call (and may try another key
 * when one fails); a fixed client (`client` below) always uses the same key.
 */
export interface ChatRouter {
  /** One call. Throws a ProviderError when the call failed; other errors when none was made. */
  chat(request: ChatRequest): Promise<RoutedAnswer>;
  /** Whether the answer was usable: an answer with no usable JSON counts as that call failing. */
  report(answer: RoutedAnswer, usable: boolean): Promise<void>;
}

/** A router that always calls one key and reports every call to `onCall`. */
export function singleKeyRouter(
  client: ProviderKeyClient,
  onCall?: (call: CallRecord) => Promise<void> | void,
): ChatRouter {
  return {
    async chat(request) {
      const started = Date.now();
      try {
        const result = await client.chat(request);
        return { ...result, provider: client.provider, keyId: client.keyId };
      } catch (error) {
        await onCall?.({
          provider: client.provider,
          keyId: client.keyId,
          ok: false,
          errorKind: errorKindOf(error) ?? "connection",
          usage: { promptTokens: 0, completionTokens: 0 },
          latencyMs: Date.now() - started,
        });
        throw error;
      }
    },
    async report(answer, usable) {
      await onCall?.({
        provider: answer.provider,
        keyId: answer.keyId,
        ok: usable,
        ...(usable ? {} : { errorKind: "invalid_output" as const }),
        usage: answer.usage,
        latencyMs: answer.latencyMs,
      });
    },
  };
}

export type GenerateOptions = {
  request: GenerateRequest;
  questionsPerCall: number;
  /**
   * Questions already kept for this job (an earlier provider or attempt made them); new ones are
   * appended to this array as they arrive, so a caller that is interrupted keeps them.
   */
  progress?: GeneratedQuestion[];
  /**
   * Asked before every call after the first; false ends the attempt with GenerationCancelled.
   * The call in flight always finishes: this only prevents the next one.
   */
  shouldContinue?: () => Promise<boolean> | boolean;
  signal?: AbortSignal;
} & (
  | { router: ChatRouter; client?: undefined; onCall?: undefined }
  | {
      client: ProviderKeyClient;
      /** Called after every provider call, successful or not, e.g. to record usage. */
      onCall?: (call: CallRecord) => Promise<void> | void;
      router?: undefined;
    }
);

const errorKindOf = (e: unknown): ProviderErrorKind | undefined => {
  const kind = (e as { kind?: unknown } | null)?.kind;
  return typeof kind === "string" ? (kind as ProviderErrorKind) : undefined;
};

/**
 * Asks for exactly `question_count` questions, at most `questionsPerCall` per call, deduplicated
 * by normalized text, only in requested categories, labelled with the requested difficulty. An
 * error from the router ends the attempt (rethrown); answers with too few usable questions are
 * topped up by at most MAX_EXTRA_CALLS more calls.
 */
export async function generateQuestions(options: GenerateOptions): Promise<{
  questions: GeneratedQuestion[];
  calls: number;
}> {
  const { request, questionsPerCall, signal, shouldContinue } = options;
  const router = options.router ?? singleKeyRouter(options.client, options.onCall);
  const count = request.question_count;
  const kept: GeneratedQuestion[] = options.progress ?? [];
  const seen = new Set<string>(kept.map((q) => q.normalized));
  const budget = Math.ceil(Math.max(0, count - kept.length) / questionsPerCall) + MAX_EXTRA_CALLS;
  let calls = 0;
  let unusable = 0;
  let lastKey = "";

  while (kept.length < count) {
    if (calls >= budget) {
      throw new GenerationError(
        `${lastKey}: ${kept.length} of ${count} usable questions after ${calls} calls` +
          (unusable > 0 ? ` (${unusable} answers had no usable JSON)` : ""),
      );
    }
    if (calls > 0 && shouldContinue && !(await shouldContinue())) throw new GenerationCancelled();
    const ask = Math.min(questionsPerCall, count - kept.length);
    calls++;
    const answer = await router.chat({
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
    lastKey = answer.keyId;

    const parsed = parseModelAnswer(answer.text, request);
    await router.report(answer, parsed.usable);
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
        provider: answer.provider,
        model: answer.model,
        source: "ai",
      });
    }
  }
  return { questions: kept, calls };
}
