import { normalizeText } from "@qforge/schemas";
import { CURATED_BANK } from "./bank/curated.ts";
import type { Database } from "./client.ts";
import { newId } from "./ids.ts";

/** Loads the curated bank; (role, normalized text) is unique, so a second run adds nothing. */
export async function seedBank(db: Database): Promise<{ total: number; added: number }> {
  const rows = Object.entries(CURATED_BANK).flatMap(([role, levels]) =>
    Object.entries(levels).flatMap(([difficulty, entries]) =>
      entries.map(([category, question, keyPoints]) => ({
        id: newId(),
        role,
        difficulty: difficulty as "easy" | "medium" | "hard",
        category,
        question,
        normalized: normalizeText(question),
        keyPoints,
      })),
    ),
  );
  const { count } = await db.bankQuestion.createMany({ data: rows, skipDuplicates: true });
  return { total: rows.length, added: count };
}
