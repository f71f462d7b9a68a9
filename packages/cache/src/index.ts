import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { categoryKey, normalizeText, type GenerateRequest } from "@qforge/schemas";

// The generation cache: a request, normalized, keys the questions that answered it, per tenant
// (questions are reused only within the tenant whose request produced them), for
// CACHE_TTL_SECONDS (0 turns the cache off). Redis is the engine; a lost entry costs a provider
// call, nothing more.

export const CachedQuestion = z.object({
  question: z.string(),
  normalized: z.string(),
  category: z.string(),
  key_points: z.array(z.string()),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  bank_role: z.string().nullable(),
});
export type CachedQuestion = z.infer<typeof CachedQuestion>;

const Entry = z.array(CachedQuestion);

/** Role (normalized), difficulty, sorted categories (case-insensitive), count. */
export function requestKey(request: GenerateRequest): string {
  const categories = [...new Set((request.categories ?? []).map(categoryKey))].sort();
  return JSON.stringify([
    normalizeText(request.role),
    request.difficulty,
    categories,
    request.question_count,
  ]);
}

export class GenerationCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  /** False with CACHE_TTL_SECONDS=0: nothing is read or written. */
  get enabled(): boolean {
    return this.ttlSeconds > 0;
  }

  private key(tenantId: string, request: GenerateRequest): string {
    const digest = createHash("sha256")
      .update(tenantId)
      .update("\0")
      .update(requestKey(request))
      .digest("base64url");
    return `${this.prefix}:cache:${digest}`;
  }

  /** The cached questions, with each category spelled as this request spells it; or null. */
  async get(tenantId: string, request: GenerateRequest): Promise<CachedQuestion[] | null> {
    if (!this.enabled) return null;
    const raw = await this.redis.get(this.key(tenantId, request));
    if (raw === null) return null;
    let parsed;
    try {
      parsed = Entry.safeParse(JSON.parse(raw));
    } catch {
      return null;
    }
    if (!parsed.success || parsed.data.length !== request.question_count) return null;
    const spelled = new Map((request.categories ?? []).map((c) => [categoryKey(c), c]));
    return parsed.data.map((q) => ({
      ...q,
      category: spelled.get(categoryKey(q.category)) ?? q.category,
    }));
  }

  async set(
    tenantId: string,
    request: GenerateRequest,
    questions: CachedQuestion[],
  ): Promise<void> {
    if (!this.enabled || questions.length !== request.question_count) return;
    await this.redis.set(
      this.key(tenantId, request),
      JSON.stringify(questions),
      "EX",
      this.ttlSeconds,
    );
  }
}
