// The real groq-sdk and @huggingface/inference clients, wrapped by @qforge/providers, against our
// fake OpenAI-compatible server over HTTP on 127.0.0.1. Each test starts its own fake.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  ProviderError,
  createGroqClient,
  createHuggingFaceClient,
  isProviderError,
  parseRetryAfterMs,
  type ChatMessage,
  type ProviderKeyClient,
} from "@qforge/providers";
import {
  connectFakeProvider,
  startFakeProvider,
  type FakeProvider,
} from "./fake-provider/server.ts";

const GROQ_KEY = "gsk_TEST_SECRET_0123456789abcdef";
const HF_TOKEN = "hf_TEST_SECRET_0123456789abcdef";
// A secret with no recognizable prefix: only the exact-key scrub can catch it.
const PLAIN_KEY = "plain-secret-value-9f8e7d6c5b4a";

const PROMPT: ChatMessage[] = [
  { role: "system", content: "You write interview questions. Answer with one JSON object." },
  {
    role: "user",
    content: [
      "Role: Backend engineer",
      "Difficulty: hard",
      "Number of questions: 3",
      "Categories: Databases, Caching",
    ].join("\n"),
  },
];

const open: FakeProvider[] = [];
async function fake(): Promise<FakeProvider> {
  const f = await startFakeProvider();
  open.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

type Factory = (url: string, opts?: { timeoutMs?: number; secret?: string }) => ProviderKeyClient;
const clients: Array<[string, Factory, string]> = [
  [
    "groq",
    (url, o) =>
      createGroqClient({
        keyId: "groq#1",
        apiKey: o?.secret ?? GROQ_KEY,
        baseURL: url,
        model: "llama-3.3-70b-versatile",
        timeoutMs: o?.timeoutMs ?? 5000,
      }),
    "/openai/v1/chat/completions",
  ],
  [
    "huggingface",
    (url, o) =>
      createHuggingFaceClient({
        keyId: "huggingface#1",
        token: o?.secret ?? HF_TOKEN,
        endpointUrl: url,
        model: "meta-llama/Llama-3.1-8B-Instruct",
        timeoutMs: o?.timeoutMs ?? 5000,
      }),
    "/v1/chat/completions",
  ],
];

/** Runs the call and returns the ProviderError it must throw. */
async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    expect(isProviderError(err)).toBe(true);
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error("expected the call to fail");
}

function expectNoSecret(err: ProviderError, ...secrets: string[]): void {
  const surfaces = [
    err.message,
    String(err),
    JSON.stringify(err),
    err.stack ?? "",
    err.detail ?? "",
  ];
  for (const surface of surfaces) {
    for (const secret of secrets) expect(surface).not.toContain(secret);
  }
}

describe.each(clients)("%s client against the fake", (provider, make, path) => {
  const secret = provider === "groq" ? GROQ_KEY : HF_TOKEN;

  it("returns the text, usage and model, and sends what the model needs", async () => {
    const f = await fake();
    const client = make(f.url);
    expect(client.provider).toBe(provider);
    expect(client.keyId).toBe(`${provider}#1`);

    const result = await client.chat({ messages: PROMPT, maxTokens: 800, jsonMode: true });

    const parsed = JSON.parse(result.text) as { questions: Array<Record<string, unknown>> };
    expect(parsed.questions).toHaveLength(3);
    for (const q of parsed.questions) {
      expect(["Databases", "Caching"]).toContain(q.category);
      expect(q.difficulty).toBe("hard");
      expect(typeof q.question).toBe("string");
    }
    expect(result.usage.promptTokens).toBeGreaterThan(0);
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(result.model).toBe(client.model);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);

    expect(f.calls).toHaveLength(1);
    const call = f.calls[0]!;
    expect(call.path).toBe(path);
    expect(call.key).toBe(secret);
    expect(call.model).toBe(client.model);
    expect(call.messages).toEqual(PROMPT);
    const body = call.body as Record<string, unknown>;
    expect(body.max_tokens).toBe(800);
    if (provider === "groq") expect(body.response_format).toEqual({ type: "json_object" });
  });

  it("maps 500 to server, after exactly one request", async () => {
    const f = await fake();
    f.script("*", { kind: "status", status: 500 });
    const err = await failure(make(f.url).chat({ messages: PROMPT, maxTokens: 100 }));
    expect(err).toMatchObject({ kind: "server", status: 500, provider, keyId: `${provider}#1` });
    expect(err.message).toBe(`${provider}#1: HTTP 500 from provider`);
    expect(f.calls).toHaveLength(1);
  });

  it("maps 503 to server without the SDK's own retries (one request)", async () => {
    const f = await fake();
    f.setDefault({ kind: "status", status: 503, body: { error: "Model is loading" } });
    const err = await failure(make(f.url).chat({ messages: PROMPT, maxTokens: 100 }));
    expect(err).toMatchObject({ kind: "server", status: 503 });
    // HF's default would re-send a 503 at once, forever; groq-sdk's would retry twice.
    await new Promise((r) => setTimeout(r, 100));
    expect(f.calls).toHaveLength(1);
  });

  it.each([401, 403])("maps %i to auth", async (status) => {
    const f = await fake();
    f.script("*", { kind: "status", status });
    const err = await failure(make(f.url).chat({ messages: PROMPT, maxTokens: 100 }));
    expect(err).toMatchObject({ kind: "auth", status });
  });

  it("maps other 4xx to bad_request", async () => {
    const f = await fake();
    f.script("*", { kind: "status", status: 422 });
    const err = await failure(make(f.url).chat({ messages: PROMPT, maxTokens: 100 }));
    expect(err).toMatchObject({ kind: "bad_request", status: 422 });
  });

  it("maps 429 to rate_limited with retry-after, after exactly one request", async () => {
    const f = await fake();
    f.script("*", { kind: "status", status: 429, headers: { "retry-after": "7" } });
    const started = Date.now();
    const err = await failure(make(f.url).chat({ messages: PROMPT, maxTokens: 100 }));
    expect(err).toMatchObject({ kind: "rate_limited", status: 429, retryAfterMs: 7000 });
    // No hidden SDK sleep of 7 s and no second request.
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 100));
    expect(f.calls).toHaveLength(1);
  });

  it("prefers retry-after-ms over retry-after", async () => {
    const f = await fake();
    f.script("*", {
      kind: "status",
      status: 429,
      headers: { "retry-after": "7", "retry-after-ms": "1500" },
    });
    const err = await failure(make(f.url).chat({ messages: PROMPT, maxTokens: 100 }));
    expect(err.retryAfterMs).toBe(1500);
  });

  it("times out a hanging request at about timeoutMs", async () => {
    const f = await fake();
    f.script("*", { kind: "hang" });
    const started = Date.now();
    const err = await failure(
      make(f.url, { timeoutMs: 300 }).chat({ messages: PROMPT, maxTokens: 1 }),
    );
    const elapsed = Date.now() - started;
    expect(err.kind).toBe("timeout");
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
    expect(f.calls).toHaveLength(1);
  });

  it("times out a response whose body stalls after the headers", async () => {
    // groq-sdk's own timeout stops at the headers; the client's deadline must cover the body.
    const f = await fake();
    f.script("*", { kind: "stall" });
    const started = Date.now();
    const err = await failure(
      make(f.url, { timeoutMs: 300 }).chat({ messages: PROMPT, maxTokens: 1 }),
    );
    expect(err.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("reports a caller's abort as aborted, not timeout", async () => {
    const f = await fake();
    f.script("*", { kind: "hang" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await failure(
      make(f.url, { timeoutMs: 5000 }).chat({
        messages: PROMPT,
        maxTokens: 1,
        signal: controller.signal,
      }),
    );
    expect(err.kind).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("does not send anything when the signal is already aborted", async () => {
    const f = await fake();
    const err = await failure(
      make(f.url).chat({ messages: PROMPT, maxTokens: 1, signal: AbortSignal.abort() }),
    );
    expect(err.kind).toBe("aborted");
    expect(f.calls).toHaveLength(0);
  });

  it("passes malformed model text through as text", async () => {
    const f = await fake();
    f.script("*", { kind: "raw", content: '{"questions": [ {"question": "unterminated' });
    const result = await make(f.url).chat({ messages: PROMPT, maxTokens: 100 });
    expect(result.text).toBe('{"questions": [ {"question": "unterminated');
    expect(result.usage.completionTokens).toBeGreaterThan(0);
  });

  it("maps a refused connection to connection", async () => {
    const port = await closedPort();
    const err = await failure(
      make(`http://127.0.0.1:${port}`).chat({ messages: PROMPT, maxTokens: 1 }),
    );
    expect(err.kind).toBe("connection");
  });

  it("never leaks the secret, even when the upstream error echoes it", async () => {
    const f = await fake();
    f.script(
      "*",
      { kind: "status", status: 401, body: { error: { message: `Invalid API key: ${secret}` } } },
      { kind: "status", status: 400, body: { error: `bad request from Bearer ${secret}` } },
      {
        kind: "status",
        status: 500,
        body: `oops Authorization: Bearer ${secret}`,
        headers: { "content-type": "text/plain; charset=utf-8" },
      },
      { kind: "status", status: 502, body: { error: { message: `key ${PLAIN_KEY} failed` } } },
      { kind: "hang" },
    );
    const client = make(f.url, { timeoutMs: 300 });
    const plain = make(f.url, { timeoutMs: 300, secret: PLAIN_KEY });
    const errors = [
      await failure(client.chat({ messages: PROMPT, maxTokens: 1 })),
      await failure(client.chat({ messages: PROMPT, maxTokens: 1 })),
      await failure(client.chat({ messages: PROMPT, maxTokens: 1 })),
      await failure(plain.chat({ messages: PROMPT, maxTokens: 1 })),
      await failure(client.chat({ messages: PROMPT, maxTokens: 1 })),
    ];
    expect(errors.map((e) => e.kind)).toEqual([
      "auth",
      "bad_request",
      "server",
      "server",
      "timeout",
    ]);
    for (const err of errors) expectNoSecret(err, secret, PLAIN_KEY, "TEST_SECRET");
  });
});

describe("ProviderError", () => {
  it("is recognised by its brand and keeps only safe fields", () => {
    const err = new ProviderError({
      kind: "server",
      provider: "groq",
      keyId: "groq#2",
      status: 503,
      detail: "upstream said gsk_abcdefghijkl and Bearer hf_zzzzzzzzzz",
    });
    expect(isProviderError(err)).toBe(true);
    expect(isProviderError(new Error("x"))).toBe(false);
    expect(isProviderError({ kind: "server" })).toBe(false);
    expect(err.message).toBe("groq#2: HTTP 503 from provider");
    expect(err.detail).not.toMatch(/gsk_|hf_/);
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({ kind: "server", status: 503 });
  });

  it("parses retry-after seconds, HTTP dates and retry-after-ms", () => {
    const now = Date.parse("2026-11-24T10:00:00Z");
    expect(parseRetryAfterMs(new Headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(parseRetryAfterMs(new Headers({ "retry-after": "0.5" }), now)).toBe(500);
    expect(parseRetryAfterMs({ "Retry-After": "Tue, 24 Nov 2026 10:00:30 GMT" }, now)).toBe(30_000);
    expect(parseRetryAfterMs({ "retry-after": "Tue, 24 Nov 2026 09:00:00 GMT" }, now)).toBe(0);
    expect(parseRetryAfterMs({ "retry-after-ms": "250", "retry-after": "9" }, now)).toBe(250);
    expect(parseRetryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe("fake provider", () => {
  it("serves scripted behaviours per key before '*' and the default", async () => {
    const f = await fake();
    const a = createGroqClient({
      keyId: "groq#1",
      apiKey: "gsk_key_a_0123456789",
      baseURL: f.url,
      model: "m",
      timeoutMs: 2000,
    });
    const b = createGroqClient({
      keyId: "groq#2",
      apiKey: "gsk_key_b_0123456789",
      baseURL: f.url,
      model: "m",
      timeoutMs: 2000,
    });
    f.script("gsk_key_a_0123456789", { kind: "status", status: 401 });
    f.script("*", { kind: "raw", content: "from star" });
    expect((await failure(a.chat({ messages: PROMPT, maxTokens: 1 }))).kind).toBe("auth");
    expect((await b.chat({ messages: PROMPT, maxTokens: 1 })).text).toBe("from star");
    const third = await a.chat({ messages: PROMPT, maxTokens: 1 });
    expect(JSON.parse(third.text).questions).toHaveLength(3);
    expect(f.calls.map((c) => [c.key, c.behaviour.kind])).toEqual([
      ["gsk_key_a_0123456789", "status"],
      ["gsk_key_b_0123456789", "raw"],
      ["gsk_key_a_0123456789", "questions"],
    ]);
  });

  it("never repeats a question across calls unless asked, and applies defects", async () => {
    const f = await fake();
    const client = createHuggingFaceClient({
      keyId: "huggingface#1",
      token: HF_TOKEN,
      endpointUrl: f.url,
      model: "m",
      timeoutMs: 2000,
    });
    const norm = (s: string) =>
      s
        .toLowerCase()
        .replace(/[\p{P}\s]+/gu, " ")
        .trim();
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const { text } = await client.chat({ messages: PROMPT, maxTokens: 1 });
      for (const q of (JSON.parse(text) as { questions: Array<{ question: string }> }).questions) {
        expect(seen.has(norm(q.question))).toBe(false);
        seen.add(norm(q.question));
      }
    }
    expect(seen.size).toBe(60);

    f.script("*", {
      kind: "questions",
      count: 6,
      duplicates: 1,
      invalidEntries: 1,
      extraCategory: 1,
      wrap: "fence",
    });
    const { text } = await client.chat({ messages: PROMPT, maxTokens: 1 });
    expect(text.startsWith("```json\n")).toBe(true);
    const entries = (JSON.parse(text.slice(8, -4)) as { questions: unknown[] }).questions;
    expect(entries).toHaveLength(6);
    const valid = entries.filter(
      (e): e is { question: string; category: string } =>
        typeof e === "object" &&
        e !== null &&
        typeof (e as { question?: unknown }).question === "string" &&
        (e as { question: string }).question.length > 0,
    );
    expect(valid).toHaveLength(5);
    expect(new Set(valid.map((e) => norm(e.question))).size).toBe(4);
    expect(valid.filter((e) => !["Databases", "Caching"].includes(e.category))).toHaveLength(1);
  });

  it("can be scripted over its HTTP control API", async () => {
    const f = await fake();
    const remote = connectFakeProvider(f.url);
    await remote.script("*", { kind: "status", status: 429, headers: { "retry-after": "3" } });
    const client = createGroqClient({
      keyId: "groq#1",
      apiKey: GROQ_KEY,
      baseURL: f.url,
      model: "m",
      timeoutMs: 2000,
    });
    const err = await failure(client.chat({ messages: PROMPT, maxTokens: 1 }));
    expect(err).toMatchObject({ kind: "rate_limited", retryAfterMs: 3000 });
    await remote.setDefault({ kind: "raw", content: "default now" });
    expect((await client.chat({ messages: PROMPT, maxTokens: 1 })).text).toBe("default now");
    const calls = await remote.calls();
    expect(calls.map((c) => c.behaviour.kind)).toEqual(["status", "raw"]);
    await remote.reset();
    expect(await remote.calls()).toEqual([]);
    const bad = await fetch(`${f.url}/__control/script`, {
      method: "POST",
      body: JSON.stringify({ key: "*", behaviours: [{ kind: "nonsense" }] }),
    });
    expect(bad.status).toBe(400);
  });
});

/** A port with nothing listening on it (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
