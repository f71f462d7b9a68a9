import { describe, expect, test } from "vitest";
import type { ChatRequest, ChatResult, ProviderKeyClient } from "@qforge/providers";
import type { GenerateRequest } from "@qforge/schemas";
import {
  generateQuestions,
  isGenerationCancelled,
  isGenerationError,
  MAX_EXTRA_CALLS,
  type CallRecord,
} from "./generate.ts";

// The generation loop against a scripted stand-in for one provider key (the real SDK clients are
// exercised against the fake server in test/). Each answer is a function of the request.

type Answer = (asked: number, call: number) => string | Error;

function scripted(answers: Answer[]): ProviderKeyClient & { asked: number[] } {
  const asked: number[] = [];
  let n = 0;
  return {
    provider: "groq",
    keyId: "groq#1",
    model: "m",
    asked,
    async chat(request: ChatRequest): Promise<ChatResult> {
      const prompt = request.messages.at(-1)!.content;
      const count = Number(/Number of questions: (\d+)/.exec(prompt)![1]);
      asked.push(count);
      const answer = (answers[n] ?? answers.at(-1)!)(count, n);
      n++;
      if (answer instanceof Error) throw answer;
      return {
        text: answer,
        usage: { promptTokens: 5, completionTokens: 7 },
        model: "m-1",
        latencyMs: 1,
      };
    },
  };
}

let serial = 0;
const questions = (count: number, category = "APIs") =>
  JSON.stringify({
    questions: Array.from({ length: count }, () => ({
      question: `Distinct question number ${++serial}?`,
      category,
      difficulty: "easy",
      key_points: ["k"],
    })),
  });
const same = (count: number) =>
  JSON.stringify({
    questions: Array.from({ length: count }, () => ({
      question: "The very same question?",
      category: "APIs",
      key_points: ["k"],
    })),
  });

const request = (n: number): GenerateRequest => ({
  role: "Backend",
  difficulty: "hard",
  question_count: n,
  categories: ["APIs"],
});

describe("generateQuestions", () => {
  test("splits a count into calls of at most questionsPerCall", async () => {
    const client = scripted([(asked) => questions(asked)]);
    const calls: CallRecord[] = [];
    const { questions: got } = await generateQuestions({
      request: request(23),
      client,
      questionsPerCall: 10,
      onCall: (c) => void calls.push(c),
    });
    expect(got).toHaveLength(23);
    expect(client.asked).toEqual([10, 10, 3]);
    expect(calls.map((c) => c.ok)).toEqual([true, true, true]);
    expect(
      got.every((q) => q.difficulty === "hard" && q.model === "m-1" && q.provider === "groq"),
    ).toBe(true);
  });

  test("cuts extras", async () => {
    const client = scripted([() => questions(9)]);
    const { questions: got } = await generateQuestions({
      request: request(4),
      client,
      questionsPerCall: 10,
    });
    expect(got).toHaveLength(4);
    expect(client.asked).toEqual([4]);
  });

  test("dedupes across calls by normalized text and asks for the remainder", async () => {
    const client = scripted([() => same(3), () => same(3), (asked) => questions(asked)]);
    const { questions: got } = await generateQuestions({
      request: request(3),
      client,
      questionsPerCall: 10,
    });
    expect(got.map((q) => q.normalized)).toHaveLength(3);
    expect(new Set(got.map((q) => q.normalized)).size).toBe(3);
    expect(client.asked).toEqual([3, 2, 2]);
  });

  test("previous questions are listed in the next prompt", async () => {
    const seen: string[] = [];
    const client = scripted([() => questions(1)]);
    const wrapped: ProviderKeyClient = {
      ...client,
      chat: (r) => {
        seen.push(r.messages.at(-1)!.content);
        return client.chat(r);
      },
    };
    const { questions: got } = await generateQuestions({
      request: request(2),
      client: wrapped,
      questionsPerCall: 10,
    });
    expect(seen[1]).toContain(`- ${got[0]!.question}`);
  });

  test(`gives up after ${MAX_EXTRA_CALLS} extra calls with invalid_output`, async () => {
    const client = scripted([() => "no json here"]);
    const calls: CallRecord[] = [];
    const error = await generateQuestions({
      request: request(15),
      client,
      questionsPerCall: 10,
      onCall: (c) => void calls.push(c),
    }).catch((e: unknown) => e);
    expect(isGenerationError(error)).toBe(true);
    expect((error as Error).message).toMatch(/0 of 15 usable questions after 5 calls/);
    expect(client.asked).toHaveLength(2 + MAX_EXTRA_CALLS);
    expect(calls.every((c) => !c.ok && c.errorKind === "invalid_output")).toBe(true);
  });

  test("a provider error ends the attempt at once, recorded as a failed call", async () => {
    const boom = Object.assign(new Error("groq#1: HTTP 500 from provider"), { kind: "server" });
    const client = scripted([(asked) => questions(asked), () => boom]);
    const calls: CallRecord[] = [];
    await expect(
      generateQuestions({
        request: request(20),
        client,
        questionsPerCall: 10,
        onCall: (c) => void calls.push(c),
      }),
    ).rejects.toBe(boom);
    expect(calls.map((c) => [c.ok, c.errorKind])).toEqual([
      [true, undefined],
      [false, "server"],
    ]);
  });
});

describe("shouldContinue", () => {
  test("is asked before every call after the first; false stops before the next call", async () => {
    const client = scripted([(n) => questions(n)]);
    const asked: number[] = [];
    let allow = 2;
    const run = generateQuestions({
      request: request(25),
      client,
      questionsPerCall: 5,
      shouldContinue: async () => {
        asked.push(client.asked.length);
        return allow-- > 0;
      },
    });
    await expect(run).rejects.toSatisfy(isGenerationCancelled);
    // Called before calls 2, 3 and 4 (not before the first); the "no" came before call 4.
    expect(asked).toEqual([1, 2, 3]);
    expect(client.asked).toHaveLength(3);
  });

  test("a job whose first call fills it never asks", async () => {
    const client = scripted([(n) => questions(n)]);
    let askedAtAll = false;
    const { questions: got } = await generateQuestions({
      request: request(3),
      client,
      questionsPerCall: 10,
      shouldContinue: async () => {
        askedAtAll = true;
        return false;
      },
    });
    expect(got).toHaveLength(3);
    expect(askedAtAll).toBe(false);
  });
});
