import { describe, expect, test } from "vitest";
import { providerRows, table } from "./providers.ts";
import { csvRecord, rowsOf } from "./results.ts";
import { chunk, parseMetadata } from "./submit.ts";

describe("submit helpers", () => {
  test("chunk keeps order and cuts at the size", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk(Array.from({ length: 10_000 }, (_, i) => i)).map((c) => c.length)).toEqual([
      10_000,
    ]);
    expect(chunk(Array.from({ length: 20_001 }, (_, i) => i)).map((c) => c.length)).toEqual([
      10_000, 10_000, 1,
    ]);
  });
  test("metadata pairs split at the first =", () => {
    expect(parseMetadata([])).toBeUndefined();
    expect(parseMetadata(["team=hiring", "q=a=b", "empty="])).toEqual({
      team: "hiring",
      q: "a=b",
      empty: "",
    });
    expect(() => parseMetadata(["novalue"])).toThrow('--metadata expects key=value, got "novalue"');
    expect(() => parseMetadata(["=x"])).toThrow(/key=value/);
  });
});

test("a question becomes one CSV record, key points joined and a missing provider empty", () => {
  const job = {
    id: "j1",
    batch_id: "b1",
    index: 7,
    status: "completed" as const,
    request: { role: "Backend", difficulty: "easy" as const, question_count: 1 },
    questions: [
      {
        id: "q1",
        question: 'Say "hi", then stop',
        category: "General",
        difficulty: "easy" as const,
        key_points: ["one", "two"],
        source: "bank" as const,
        provider: null,
        model: null,
        bank_role: "Backend",
      },
    ],
    error: null,
    attempts: 1,
    created_at: "t",
    started_at: "t",
    completed_at: "t",
  };
  const [row] = rowsOf(job);
  expect(csvRecord(row!)).toEqual({
    job_id: "j1",
    index: 7,
    role: "Backend",
    difficulty: "easy",
    category: "General",
    question: 'Say "hi", then stop',
    key_points: "one | two",
    source: "bank",
    provider: "",
  });
});

test("providers: a provider that is off, or has no keys, still gets a row", () => {
  const rows = providerRows([
    { name: "huggingface", enabled: false, keys: [] },
    {
      name: "groq",
      enabled: false,
      keys: [{ id: "groq#1", enabled: true, breaker: "closed", health: 1 }],
    },
  ]);
  expect(table(["P", "K", "E", "B", "H", "U", "A"], rows)).toEqual([
    "P            K       E                  B       H     U  A",
    "huggingface  -       no                 -       -     -  -",
    "groq         groq#1  no (provider off)  closed  1.00  -  -",
  ]);
});
