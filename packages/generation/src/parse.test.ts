import { describe, expect, test } from "vitest";
import type { GenerateRequest } from "@qforge/schemas";
import { extractQuestionList, parseModelAnswer } from "./parse.ts";
import { buildMessages } from "./prompt.ts";

const request: GenerateRequest = {
  role: "Backend Engineer",
  difficulty: "hard",
  question_count: 3,
  categories: ["Databases", "APIs"],
};

const entry = (question: string, category = "Databases") => ({
  question,
  category,
  difficulty: "easy",
  key_points: ["one", "two"],
});
const answer = (...entries: unknown[]) => JSON.stringify({ questions: entries });

describe("extractQuestionList", () => {
  test("bare JSON", () => {
    expect(extractQuestionList(answer(entry("Q1")))).toHaveLength(1);
  });
  test("inside a code fence, after prose", () => {
    const text =
      "Sure! Here you go:\n```json\n" + answer(entry("Q1"), entry("Q2")) + "\n```\nEnjoy.";
    expect(extractQuestionList(text)).toHaveLength(2);
  });
  test("after prose without a fence, with braces inside strings", () => {
    const text = `Here are {some} questions: ${answer(entry("What does {} mean in JSON?"))} Hope it helps`;
    expect(extractQuestionList(text)).toEqual([entry("What does {} mean in JSON?")]);
  });
  test("a stray bracket in prose does not hide the JSON after it", () => {
    const text = `Use { for objects and [ for arrays. "Quote. ${answer(entry("Q1"))}`;
    expect(extractQuestionList(text)).toHaveLength(1);
  });

  // No timing assertion (machines are noisy): a scan that restarts at every bracket needs
  // minutes for these inputs and hits the test timeout; a linear one needs milliseconds.
  test("pathological answers do not stall the parser", () => {
    expect(extractQuestionList("[".repeat(150_000))).toBeUndefined();
    expect(extractQuestionList('{"'.repeat(75_000))).toBeUndefined();
    expect(extractQuestionList("[]".repeat(75_000))).toBeUndefined();
    expect(extractQuestionList("{".repeat(5) + " " + answer(entry("Q")))).toHaveLength(1);
    expect(parseModelAnswer(" ".repeat(200_001) + answer(entry("Q")), request).usable).toBe(false);
  });

  test("no usable JSON", () => {
    expect(extractQuestionList("I cannot help with that.")).toBeUndefined();
    expect(extractQuestionList('{"questions": [ {"question": "unterminated')).toBeUndefined();
    expect(extractQuestionList('{"answers": []}')).toBeUndefined();
  });
});

describe("parseModelAnswer", () => {
  test("keeps requested categories, spelled as requested; drops the rest and invalid entries", () => {
    const result = parseModelAnswer(
      answer(
        entry("How do indexes work?", "databases"),
        entry("What is REST?", " APIS "),
        entry("What is CSS?", "Frontend"),
        { question: "", category: "APIs", key_points: ["x"] },
        { question: "No key points?", category: "APIs" },
        { question: 42, category: "APIs", key_points: ["x"] },
        "not an object",
        null,
      ),
      request,
    );
    expect(result.usable).toBe(true);
    expect(result.questions.map((q) => [q.question, q.category])).toEqual([
      ["How do indexes work?", "Databases"],
      ["What is REST?", "APIs"],
    ]);
    expect(result.dropped).toBe(6);
  });

  test("without requested categories, any category is kept and a missing one becomes General", () => {
    const result = parseModelAnswer(
      answer(entry("Q1", "Networking"), { question: "Q2", key_points: ["k"] }),
      { ...request, categories: undefined },
    );
    expect(result.questions.map((q) => q.category)).toEqual(["Networking", "General"]);
  });

  test("control characters and runs of spaces are cleaned from text", () => {
    const result = parseModelAnswer(answer(entry("What\u0000 is\n\n  a   join?")), request);
    expect(result.questions[0]?.question).toBe("What is a join?");
  });

  test("an answer with no JSON is not usable", () => {
    expect(parseModelAnswer("Sorry, no.", request)).toEqual({
      usable: false,
      questions: [],
      dropped: 0,
    });
  });
});

describe("buildMessages", () => {
  test("names the role, difficulty, count and categories, and asks for one JSON object", () => {
    const [system, user] = buildMessages(request, 7, ["Earlier question?"]);
    expect(system?.content).toMatch(/JSON object/);
    expect(user?.content).toContain("Role: Backend Engineer");
    expect(user?.content).toContain("Difficulty: hard");
    expect(user?.content).toContain("Number of questions: 7");
    expect(user?.content).toContain('Categories: ["Databases","APIs"]');
    expect(user?.content).toContain("- Earlier question?");
    expect(user?.content).toContain('{"questions":[');
  });
});
