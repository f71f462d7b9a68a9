import { normalizeText } from "@qforge/schemas";
import { CURATED_BANK } from "./bank/curated.ts";
import type { Database } from "./client.ts";
import { newId } from "./ids.ts";

/**
 * Loads the curated bank. (role, normalized text) is unique, so a second run adds nothing; a
 * question already present takes the bank's current category, difficulty and key points (the
 * bank's categories were reorganised once, and a re-seed should follow).
 */
export async function seedBank(db: Database): Promise<{ total: number; added: number }> {
  const rows = Object.entries(CURATED_BANK).flatMap(([role, levels]) =>
    Object.entries(levels).flatMap(([difficulty, entries]) =>
      entries.map(([category, question, keyPoints]) => ({
        role,
        difficulty,
        category,
        question,
        normalized: normalizeText(question),
        // Postgres arrays of arrays must be rectangular: key points travel as JSON.
        keyPoints: JSON.stringify(keyPoints),
      })),
    ),
  );
  const inserted = await db.$queryRaw<{ inserted: boolean }[]>`
    INSERT INTO bank_questions (id, role, difficulty, category, question, normalized, key_points)
    SELECT u.id::uuid, u.role, u.difficulty::"Difficulty", u.category, u.question, u.normalized,
      ARRAY(SELECT jsonb_array_elements_text(u.key_points::jsonb))
    FROM unnest(
      ${rows.map(() => newId())}::text[], ${rows.map((r) => r.role)}::text[],
      ${rows.map((r) => r.difficulty)}::text[], ${rows.map((r) => r.category)}::text[],
      ${rows.map((r) => r.question)}::text[], ${rows.map((r) => r.normalized)}::text[],
      ${rows.map((r) => r.keyPoints)}::text[]
    ) AS u(id, role, difficulty, category, question, normalized, key_points)
    ON CONFLICT (role, normalized) DO UPDATE SET
      category = EXCLUDED.category,
      difficulty = EXCLUDED.difficulty,
      key_points = EXCLUDED.key_points
    RETURNING (xmax = 0) AS inserted`;
  return { total: rows.length, added: inserted.filter((r) => r.inserted).length };
}
