import { categoryKey, type GenerateRequest } from "@qforge/schemas";

export interface ParsedQuestion {
  question: string;
  category: string;
  key_points: string[];
}

export interface ParseResult {
  /** False when the answer held no usable JSON at all: that call counts as failed. */
  usable: boolean;
  questions: ParsedQuestion[];
  /** Entries dropped as invalid or off-category. */
  dropped: number;
}

const FENCE = /```(?:json|JSON)?\s*([\s\S]*?)```/g;

/** Longer answers are not parsed at all: no request asks for this much, and scanning costs. */
export const MAX_ANSWER_CHARS = 200_000;
/** Where a stray bracket in prose swallows the JSON, at most this many later starts are tried. */
const MAX_STARTS = 20;

/**
 * The balanced `{…}`/`[…]` span opening at `from`, string-aware, or undefined. Linear in the
 * length scanned. Quotes only count inside brackets: prose before the JSON may hold stray ones.
 */
function spanFrom(text: string, from: number): { span: string; end: number } | undefined {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") {
      depth--;
      if (depth === 0) return { span: text.slice(from, i + 1), end: i + 1 };
    }
  }
  return undefined;
}

/**
 * Outermost balanced spans, left to right, in one pass; then, if a stray opening bracket hid
 * everything after it, spans from the next few `{` positions. Never quadratic in the text.
 */
function* candidateSpans(text: string): Generator<string> {
  let i = 0;
  let starts = 0;
  while (i < text.length && starts < MAX_STARTS) {
    const open = text.slice(i).search(/[{[]/);
    if (open < 0) return;
    const found = spanFrom(text, i + open);
    if (found) {
      yield found.span;
      i = found.end;
    } else {
      // Unbalanced from here to the end: try the next opening bracket instead.
      starts++;
      i = i + open + 1;
    }
  }
}

function tryParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

const looksLikeQuestions = (a: unknown[]) =>
  a.some((e) => typeof e === "object" && e !== null && "question" in e);

/** `{ "questions": [...] }`, or a bare array of question objects (some models drop the wrapper). */
function questionList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return looksLikeQuestions(value) ? value : undefined;
  if (value && typeof value === "object") {
    const q = (value as Record<string, unknown>).questions;
    if (Array.isArray(q)) return q;
  }
  return undefined;
}

/**
 * Finds the questions array in a model's answer: the whole text as JSON, else a fenced block,
 * else the first balanced JSON value after prose that holds a `questions` array.
 */
export function extractQuestionList(text: string): unknown[] | undefined {
  const whole = questionList(tryParse(text.trim()));
  if (whole) return whole;
  for (const m of text.matchAll(FENCE)) {
    const fenced = questionList(tryParse((m[1] ?? "").trim()));
    if (fenced) return fenced;
  }
  for (const span of candidateSpans(text)) {
    const found = questionList(tryParse(span));
    if (found) return found;
  }
  return undefined;
}

const CONTROL = /\p{Cc}+/gu;
/** Anything cleanText would change: a control character, whitespace other than one space. */
const UNCLEAN = /\p{Cc}|[^\S ]|  |^ | $/u;

/** Control characters and runs of whitespace become one space; trimmed; undefined if empty or long. */
export function cleanText(value: unknown, max: number): string | undefined {
  if (typeof value !== "string") return undefined;
  // Most model output is clean already: one test instead of two replaces and a trim.
  const s = UNCLEAN.test(value) ? value.replace(CONTROL, " ").replace(/\s+/g, " ").trim() : value;
  return s.length > 0 && s.length <= max ? s : undefined;
}

/**
 * Keeps the entries that are well-formed and in a requested category (spelled as requested).
 * The model's difficulty is not trusted: the caller sets the requested one.
 */
export function parseModelAnswer(text: string, request: GenerateRequest): ParseResult {
  const list = text.length <= MAX_ANSWER_CHARS ? extractQuestionList(text) : undefined;
  if (!list) return { usable: false, questions: [], dropped: 0 };

  const requested = new Map((request.categories ?? []).map((c) => [categoryKey(c), c]));
  const questions: ParsedQuestion[] = [];
  let dropped = 0;
  for (const entry of list) {
    const e = (entry && typeof entry === "object" ? entry : {}) as Record<string, unknown>;
    const question = cleanText(e.question, 2000);
    const keyPoints = Array.isArray(e.key_points)
      ? e.key_points
          .map((k) => cleanText(k, 500))
          .filter((k): k is string => k !== undefined)
          .slice(0, 10)
      : [];
    let category = cleanText(e.category, 100);
    if (requested.size > 0) {
      category = category === undefined ? undefined : requested.get(categoryKey(category));
    } else {
      category ??= "General";
    }
    if (!question || !category || keyPoints.length === 0) {
      dropped++;
      continue;
    }
    questions.push({ question, category, key_points: keyPoints });
  }
  return { usable: true, questions, dropped };
}
