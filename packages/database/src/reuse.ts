import { categoryKey, normalizeText, type GenerateRequest } from "@qforge/schemas";
import type { Database } from "./client.ts";
import { matchBankRole } from "./bank/roles.ts";
import type { QuestionInput } from "./lifecycle.ts";

/** The key a request's role is stored and matched under: what people typed, normalized. */
export function roleKey(role: string): string {
  return normalizeText(role);
}

interface Row {
  question: string;
  normalized: string;
  category: string;
  key_points: string[];
  provider: string | null;
  model: string | null;
}

/**
 * Questions already in Postgres that fit a request: first the tenant's own generated questions
 * for the same role, then the curated bank (shared by all) for the bank role it matches. Only
 * the requested difficulty and categories, none in `exclude` (normalized texts), in random order
 * so identical requests do not all get the same few; categories spelled as requested.
 */
export async function findReusableQuestions(
  db: Database,
  opts: {
    tenantId: string;
    request: GenerateRequest;
    limit: number;
    exclude: ReadonlySet<string>;
  },
): Promise<QuestionInput[]> {
  const { tenantId, request } = opts;
  if (opts.limit <= 0) return [];
  const wanted = new Map((request.categories ?? []).map((c) => [categoryKey(c), c]));
  const cats = [...wanted.keys()];
  const anyCategory = cats.length === 0;
  // Over-fetch a little: some rows may be excluded or repeat each other.
  const take = opts.limit + opts.exclude.size + 10;
  const bankRole = matchBankRole(request.role);

  const own = await db.$queryRaw<Row[]>`
    SELECT DISTINCT ON (normalized) question, normalized, category, key_points, provider, model
    FROM questions
    WHERE tenant_id = ${tenantId} AND role_key = ${roleKey(request.role)}
      AND difficulty = ${request.difficulty}::"Difficulty" AND source = 'ai'
      AND (${anyCategory} OR lower(category) = ANY(${cats}::text[]))
    ORDER BY normalized, random()
    LIMIT ${take}`;
  const curated = bankRole
    ? await db.$queryRaw<Row[]>`
        SELECT question, normalized, category, key_points, NULL AS provider, NULL AS model
        FROM bank_questions
        WHERE role = ${bankRole} AND difficulty = ${request.difficulty}::"Difficulty"
          AND (${anyCategory} OR lower(category) = ANY(${cats}::text[]))
        ORDER BY random()
        LIMIT ${take}`
    : [];

  const seen = new Set(opts.exclude);
  const out: QuestionInput[] = [];
  const add = (rows: Row[], fromBank: boolean) => {
    for (const r of shuffle(rows)) {
      if (out.length >= opts.limit) return;
      if (seen.has(r.normalized)) continue;
      seen.add(r.normalized);
      out.push({
        question: r.question,
        normalized: r.normalized,
        category: anyCategory ? r.category : (wanted.get(categoryKey(r.category)) ?? r.category),
        difficulty: request.difficulty,
        key_points: r.key_points,
        source: "bank",
        provider: r.provider,
        model: r.model,
        bank_role: fromBank ? bankRole : null,
      });
    }
  };
  add(own, false);
  add(curated, true);
  return out;
}

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
