import { expect } from "vitest";
import { normalizeText } from "@qforge/schemas";

// The contract's guarantees for a completed job, whatever answered it (cache, bank, provider).

export interface Q {
  question: string;
  category: string;
  difficulty: string;
  key_points: string[];
  source: string;
  provider: string | null;
  model: string | null;
}

export function expectGuarantees(job: { status: string; request: any; questions: Q[] }) {
  expect(job.status).toBe("completed");
  expect(job.questions).toHaveLength(job.request.question_count);
  const normalized = job.questions.map((q) => normalizeText(q.question));
  expect(new Set(normalized).size).toBe(normalized.length);
  for (const q of job.questions) {
    expect(q.difficulty).toBe(job.request.difficulty);
    expect(q.key_points.length).toBeGreaterThan(0);
    if (job.request.categories?.length) {
      expect(job.request.categories.map((c: string) => c.toLowerCase())).toContain(
        q.category.toLowerCase(),
      );
    }
  }
}
