import { describe, expect, test } from "vitest";
import { normalizeText } from "@qforge/schemas";
import { CURATED_BANK } from "./curated.ts";
import { BANK_ROLES, matchBankRole } from "./roles.ts";

const DIFFICULTIES = ["easy", "medium", "hard"] as const;

const entries = Object.entries(CURATED_BANK).flatMap(([role, levels]) =>
  DIFFICULTIES.flatMap((difficulty) =>
    levels[difficulty].map(([category, question, keyPoints]) => ({
      role,
      difficulty,
      category,
      question,
      keyPoints,
    })),
  ),
);

// Trimmed, no control characters: what the API accepts in a request, so what we serve.
const clean = (text: string): boolean =>
  text.length > 0 && text === text.trim() && !/[\p{Cc}]/u.test(text);

describe("the curated bank", () => {
  test("is large enough: 330 questions, 11 roles, 10 per role and difficulty", () => {
    expect(entries.length).toBeGreaterThanOrEqual(330);
    expect(Object.keys(CURATED_BANK).length).toBeGreaterThanOrEqual(11);
    for (const [role, levels] of Object.entries(CURATED_BANK)) {
      for (const difficulty of DIFFICULTIES) {
        expect(levels[difficulty].length, `${role} ${difficulty}`).toBeGreaterThanOrEqual(10);
      }
    }
  });

  test("uses exactly the canonical role names, each of which the matcher maps to itself", () => {
    expect(Object.keys(CURATED_BANK).sort()).toEqual([...BANK_ROLES].sort());
    for (const role of Object.keys(CURATED_BANK)) expect(matchBankRole(role)).toBe(role);
  });

  test("has no two questions with the same normalized text, in a role or across roles", () => {
    const seen = new Map<string, string>();
    for (const { role, question } of entries) {
      const key = normalizeText(question);
      expect(seen.get(key), `"${question}" (${role})`).toBeUndefined();
      seen.set(key, role);
    }
  });

  test("gives every question 2 to 4 distinct, non-empty key points", () => {
    for (const { question, keyPoints } of entries) {
      expect(keyPoints.length, question).toBeGreaterThanOrEqual(2);
      expect(keyPoints.length, question).toBeLessThanOrEqual(4);
      for (const point of keyPoints) {
        expect(clean(point), `key point of "${question}"`).toBe(true);
        expect(point.length, point).toBeLessThanOrEqual(150);
      }
      expect(new Set(keyPoints.map(normalizeText)).size, question).toBe(keyPoints.length);
    }
  });

  test("keeps questions and categories short and clean", () => {
    for (const { question, category } of entries) {
      expect(clean(question), question).toBe(true);
      expect(question.length, question).toBeLessThanOrEqual(300);
      expect(clean(category), category).toBe(true);
      expect(category.length).toBeLessThanOrEqual(100);
    }
  });

  test("gives each role 4 to 6 categories, each with at least 2 questions per difficulty", () => {
    for (const [role, levels] of Object.entries(CURATED_BANK)) {
      const categories = new Set(DIFFICULTIES.flatMap((d) => levels[d].map(([c]) => c)));
      expect(categories.size, role).toBeGreaterThanOrEqual(4);
      expect(categories.size, role).toBeLessThanOrEqual(6);
      // One spelling per category, so a case-insensitive category request finds all of them.
      const keys = new Set([...categories].map((c) => c.toLowerCase()));
      expect(keys.size, role).toBe(categories.size);
      for (const difficulty of DIFFICULTIES) {
        for (const category of categories) {
          const count = levels[difficulty].filter(([c]) => c === category).length;
          expect(count, `${role} ${difficulty} ${category}`).toBeGreaterThanOrEqual(2);
        }
      }
    }
  });
});
