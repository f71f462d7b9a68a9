// Model-like answers for the fake provider: a `{ "questions": [...] }` object built from what the
// prompt asked for, with optional defects so the parser's handling of them can be tested.

export interface QuestionsBehaviour {
  kind: "questions";
  /** Entries in the answer, defects included. Default: `Number of questions:` from the prompt. */
  count?: number;
  /** Categories to label entries with. Default: `Categories:` from the prompt, else some. */
  categories?: string[];
  /** The difficulty the "model" writes. Default: `Difficulty:` from the prompt. */
  difficulty?: string;
  /** That many entries repeat an earlier entry's text (changed case/spacing), counted in `count`. */
  duplicates?: number;
  /** That many entries are not valid questions (no text, wrong types), counted in `count`. */
  invalidEntries?: number;
  /** That many entries carry a category that was not requested, counted in `count`. */
  extraCategory?: number;
  /** How the JSON is wrapped: bare, in a ```json fence, or between sentences of prose. */
  wrap?: "none" | "fence" | "prose";
}

export interface PromptInfo {
  role?: string;
  difficulty?: string;
  count?: number;
  categories?: string[];
}

/** A JSON array of strings (what the generator sends), else a comma-separated list. */
function listOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed.filter((c): c is string => typeof c === "string");
  } catch {
    // not JSON: a plain list
  }
  return value
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

/** Reads the lines the generator's prompt is known to contain. */
export function parsePrompt(text: string): PromptInfo {
  const line = (label: string) =>
    new RegExp(`^\\s*${label}:[ \\t]*(.+?)\\s*$`, "im").exec(text)?.[1] ?? undefined;
  const count = line("Number of questions");
  const categories = listOf(line("Categories"));
  return {
    role: line("Role"),
    difficulty: line("Difficulty")?.toLowerCase(),
    count: count !== undefined && /^\d+$/.test(count) ? Number(count) : undefined,
    categories: categories && categories.length > 0 ? categories : undefined,
  };
}

const TEMPLATES: ReadonlyArray<(aspect: string, topic: string, role: string) => string> = [
  (a, t, r) => `As a candidate for ${r}, how would you approach ${a} in ${t}?`,
  (a, t) => `Describe a time you had to deal with ${a} in ${t}. What did you do?`,
  (a, t) => `What trade-offs do you consider around ${a} in ${t}?`,
  (a, t) => `Explain how ${a} affects ${t} in a production system.`,
  (a, t) => `What are common mistakes related to ${a} in ${t}, and how do you avoid them?`,
  (a, t) => `How do you test ${a} in ${t}?`,
  (a, t) => `Walk me through how you would debug a problem with ${a} in ${t}.`,
  (a, t) => `How would you explain ${a} in ${t} to a junior colleague?`,
  (a, t) => `What metrics would you watch to evaluate ${a} in ${t}?`,
  (a, t) => `How has your view of ${a} in ${t} changed with experience?`,
  (a, t) => `Design a small change that improves ${a} for ${t}. What would you build first?`,
  (a, t) => `Which tools help you with ${a} in ${t}, and why?`,
];
const ASPECTS = [
  "performance",
  "error handling",
  "scalability",
  "security",
  "maintainability",
  "observability",
  "data consistency",
  "concurrency",
  "testing strategy",
  "deployment",
  "cost control",
  "backward compatibility",
];
const DEFAULT_CATEGORIES = ["Fundamentals", "System Design", "Debugging", "Best Practices"];
export const UNREQUESTED_CATEGORY = "Unrequested Topic";

// Module-wide, so texts never repeat within a process, even across several fake servers.
let serial = 0;

/** A new question text; the serial maps one-to-one onto (template, aspect, round). */
function nextQuestion(topic: string, role: string): { question: string; aspect: string } {
  const i = serial++;
  const template = TEMPLATES[i % TEMPLATES.length]!;
  const aspect = ASPECTS[Math.floor(i / TEMPLATES.length) % ASPECTS.length]!;
  const round = Math.floor(i / (TEMPLATES.length * ASPECTS.length));
  const text = template(aspect, topic, role);
  return { question: round === 0 ? text : `${text} (scenario ${round + 1})`, aspect };
}

export interface Entry {
  question: string;
  category: string;
  difficulty: string;
  key_points: string[];
}

/** One server's answerer; it remembers its last answer for cross-call duplicates. */
export function createAnswerer(): (b: QuestionsBehaviour, prompt: PromptInfo) => string {
  let lastAnswer: Entry[] = [];
  return (b, prompt) => {
    const { text, good } = questionsAnswer(b, prompt, lastAnswer);
    if (good.length > 0) lastAnswer = good;
    return text;
  };
}

function questionsAnswer(
  b: QuestionsBehaviour,
  prompt: PromptInfo,
  lastAnswer: Entry[],
): { text: string; good: Entry[] } {
  const count = Math.max(0, b.count ?? prompt.count ?? 5);
  const categories = b.categories ?? prompt.categories ?? DEFAULT_CATEGORIES;
  const difficulty = b.difficulty ?? prompt.difficulty ?? "medium";
  const role = prompt.role ?? "software engineer";
  const duplicates = Math.min(count, b.duplicates ?? 0);
  const invalid = Math.min(count - duplicates, b.invalidEntries ?? 0);
  const extra = Math.min(count - duplicates - invalid, b.extraCategory ?? 0);
  const valid = count - duplicates - invalid - extra;

  const make = (category: string): Entry => {
    const { question, aspect } = nextQuestion(category, role);
    return {
      question,
      category,
      difficulty,
      key_points: [
        `Defines ${aspect} precisely`,
        `Gives a concrete ${category} example`,
        "Weighs trade-offs and risks",
      ],
    };
  };
  const good: Entry[] = [];
  for (let i = 0; i < valid; i++) good.push(make(categories[i % categories.length] ?? "General"));

  // Duplicates copy this answer's questions, or the previous answer's when this one has none.
  const pool =
    good.length > 0
      ? good
      : lastAnswer.length > 0
        ? lastAnswer
        : [make(categories[0] ?? "General")];
  const dups: Entry[] = [];
  for (let i = 0; i < duplicates; i++) {
    const source = pool[i % pool.length]!;
    const question =
      i % 2 === 0 ? source.question : `  ${source.question.toUpperCase().replace(/ /g, "  ")}`;
    dups.push({ ...source, question });
  }

  const broken: unknown[] = [];
  const brokenKinds: Array<() => unknown> = [
    () => ({ category: categories[0], difficulty, key_points: ["no question"] }),
    () => ({ question: 42, category: categories[0], difficulty, key_points: [] }),
    () => ({ question: "", category: categories[0], difficulty, key_points: [] }),
    () => "Tell me about yourself.",
  ];
  for (let i = 0; i < invalid; i++) broken.push(brokenKinds[i % brokenKinds.length]!());

  const offTopic: Entry[] = [];
  for (let i = 0; i < extra; i++) offTopic.push(make(UNREQUESTED_CATEGORY));

  const json = JSON.stringify({ questions: [...good, ...dups, ...broken, ...offTopic] }, null, 2);
  const text =
    b.wrap === "fence"
      ? "```json\n" + json + "\n```"
      : b.wrap === "prose"
        ? `Sure! Here are the interview questions you asked for:\n\n${json}\n\nGood luck!`
        : json;
  return { text, good };
}
