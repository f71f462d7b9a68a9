import type { ChatMessage } from "@qforge/providers";
import type { GenerateRequest } from "@qforge/schemas";

const SYSTEM = [
  "You are an experienced interviewer who writes clear, specific, realistic interview questions.",
  "You answer with one JSON object and nothing else: no prose, no code fences.",
].join(" ");

/** How many earlier questions the prompt lists to steer the model away from repeats. */
const MAX_AVOID = 40;

/**
 * The messages for one call asking for `count` questions. The request's fields are listed one per
 * line, so that the role (free text from the client) cannot run into the instructions.
 */
export function buildMessages(
  request: GenerateRequest,
  count: number,
  avoid: readonly string[] = [],
): ChatMessage[] {
  const lines = [
    "Write interview questions for this request.",
    `Role: ${request.role}`,
    `Difficulty: ${request.difficulty}`,
    `Number of questions: ${count}`,
  ];
  if (request.categories && request.categories.length > 0) {
    // As a JSON array: a category may itself contain a comma ("Sales, Marketing").
    lines.push(`Categories: ${JSON.stringify(request.categories)}`);
    lines.push(
      "Each question must belong to one of these categories; write its category exactly as listed.",
    );
  } else {
    lines.push("Give each question a short category name (for example a skill or topic).");
  }
  lines.push(`Every question must be at the ${request.difficulty} level.`);
  lines.push("Give 2 to 5 short key points a good answer should cover.");
  if (avoid.length > 0) {
    lines.push("Do not repeat or rephrase any of these questions:");
    for (const q of avoid.slice(-MAX_AVOID)) lines.push(`- ${q.slice(0, 200)}`);
  }
  lines.push(
    "Answer with one JSON object only, in this form:",
    `{"questions":[{"question":"...","category":"...","difficulty":"${request.difficulty}","key_points":["...","..."]}]}`,
  );
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: lines.join("\n") },
  ];
}

/** A generous completion budget for `count` questions with key points. */
export function maxTokensFor(count: number): number {
  return Math.min(8192, 300 + count * 220);
}
