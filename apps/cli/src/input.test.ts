import { describe, expect, test } from "vitest";
import { detectFormat, parseInput } from "./input.ts";

describe("detectFormat", () => {
  test("by extension first", () => {
    expect(detectFormat("a.JSON", "x")).toBe("json");
    expect(detectFormat("a.jsonl", "[")).toBe("jsonl");
    expect(detectFormat("a.ndjson", "")).toBe("jsonl");
    expect(detectFormat("a.csv", "{")).toBe("csv");
  });
  test("else by content", () => {
    expect(detectFormat("-", "\ufeff  \n[{}]")).toBe("json");
    expect(detectFormat("items.txt", '{"role":"x"}\n')).toBe("jsonl");
    expect(detectFormat("items", "role,difficulty,question_count\n")).toBe("csv");
  });
});

describe("JSON Lines", () => {
  test("valid lines become requests, blank lines are skipped, strings trimmed", () => {
    const text = [
      '{"role":" Backend ","difficulty":"easy","question_count":2}',
      "",
      '{"role":"QA","difficulty":"hard","question_count":1,"categories":["APIs"],"fresh":true}\r',
    ].join("\n");
    expect(parseInput(text, "jsonl")).toEqual({
      ok: true,
      format: "jsonl",
      items: [
        { role: "Backend", difficulty: "easy", question_count: 2 },
        { role: "QA", difficulty: "hard", question_count: 1, categories: ["APIs"], fresh: true },
      ],
    });
  });

  test("every bad line is reported with its line number and the schema's message", () => {
    const text = [
      '{"role":"ok","difficulty":"easy","question_count":2}',
      '{"role":"x","difficulty":"easy","question_count":"3"}',
      "not json",
      "",
      '{"role":"x","difficulty":"extreme","question_count":2,"colour":"red"}',
    ].join("\n");
    const parsed = parseInput(text, "jsonl");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      { line: 2, path: "/question_count", message: "must be an integer from 1 to 50" },
      { line: 3, path: "", message: expect.stringMatching(/^not valid JSON/) },
      { line: 5, path: "/difficulty", message: 'must be one of "easy", "medium", "hard"' },
      { line: 5, path: "/colour", message: "unknown field" },
    ]);
  });

  test("an empty file is a problem, not an empty batch", () => {
    expect(parseInput("\n\n", "jsonl")).toMatchObject({
      ok: false,
      problems: [{ line: 1, message: "the file holds no requests" }],
    });
  });
});

describe("JSON array", () => {
  test("each item's problems carry the line the item starts on", () => {
    const text = `[
  { "role": "A", "difficulty": "easy", "question_count": 1 },
  {
    "role": "",
    "difficulty": "easy",
    "question_count": 51
  },
  { "role": "C", "difficulty": "medium", "question_count": 3, "categories": ["x", "X"] }
]`;
    const parsed = parseInput(text, "json");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      { line: 3, path: "/role", message: "must not be empty" },
      { line: 3, path: "/question_count", message: "must be an integer from 1 to 50" },
      { line: 8, path: "/categories/1", message: "duplicates another category (case-insensitive)" },
    ]);
  });

  test("syntax errors name their line; comments and trailing commas are not JSON", () => {
    const parsed = parseInput('[\n{"role":"A","difficulty":"easy","question_count":1},\n]', "json");
    expect(parsed).toMatchObject({ ok: false, problems: [{ line: 3 }] });
    expect(parseInput('[\n// no\n{"role":"A"}]', "json")).toMatchObject({
      ok: false,
      problems: [{ line: 2 }],
    });
  });

  test("a top-level object is refused", () => {
    expect(parseInput('{"items": []}', "json")).toMatchObject({
      ok: false,
      problems: [{ line: 1, message: "expected a JSON array of requests" }],
    });
  });

  test("a valid array", () => {
    expect(
      parseInput('\ufeff[{"role":"A","difficulty":"easy","question_count":1}]', "json"),
    ).toEqual({
      ok: true,
      format: "json",
      items: [{ role: "A", difficulty: "easy", question_count: 1 }],
    });
  });
});

describe("CSV", () => {
  test("columns become a request; categories split on | or ;", () => {
    const text = [
      "Role,Difficulty,Question_Count,Categories,Fresh",
      "Backend Engineer,medium,3,Databases|APIs,",
      '"Data Engineer, Senior",hard,2,"Pipelines; SQL, Advanced",TRUE',
      "",
      "QA,easy,1,,false",
    ].join("\r\n");
    expect(parseInput(text, "csv")).toEqual({
      ok: true,
      format: "csv",
      items: [
        {
          role: "Backend Engineer",
          difficulty: "medium",
          question_count: 3,
          categories: ["Databases", "APIs"],
        },
        {
          role: "Data Engineer, Senior",
          difficulty: "hard",
          question_count: 2,
          categories: ["Pipelines", "SQL, Advanced"],
          fresh: true,
        },
        { role: "QA", difficulty: "easy", question_count: 1, fresh: false },
      ],
    });
  });

  test("bad cells are reported with the record's first line, empty and multi-line records counted", () => {
    const text = [
      "role,difficulty,question_count,fresh",
      "A,easy,2.5,",
      "",
      '"multi',
      'line",hard,0,yes',
      ",medium,2,",
    ].join("\n");
    const parsed = parseInput(text, "csv");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      { line: 2, path: "/question_count", message: "must be an integer from 1 to 50" },
      // A quoted newline is a control character in a role.
      {
        line: 4,
        path: "/role",
        message: "must not contain control characters or unpaired surrogates",
      },
      { line: 4, path: "/question_count", message: "must be an integer from 1 to 50" },
      { line: 4, path: "/fresh", message: "must be a boolean" },
      { line: 6, path: "/role", message: "must not be empty" },
    ]);
  });

  test("an unknown or missing column is a header problem", () => {
    const parsed = parseInput("role,level,question_count\nA,easy,1\n", "csv");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => p.message)).toEqual([
      'unknown column "level"',
      'missing column "difficulty"',
      expect.stringMatching(/^the header must name the columns/),
    ]);
    expect(parsed.problems.every((p) => p.line === 1)).toBe(true);
  });

  test("a ragged row is reported with its line", () => {
    const parsed = parseInput("role,difficulty,question_count\nA,easy,1\nB,easy,1,extra\n", "csv");
    expect(parsed).toMatchObject({ ok: false, problems: [{ line: 3 }] });
  });
});
