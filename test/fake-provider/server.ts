// A fake OpenAI-compatible chat-completions server for tests: the real groq-sdk and
// @huggingface/inference clients talk to it over HTTP.
//
// Model routes:   POST /openai/v1/chat/completions (groq-sdk, baseURL = url)
//                 POST /v1/chat/completions        (HF endpointUrl = url; OpenAI-style clients)
// Control routes, for a fake running in another process (JSON bodies):
//                 POST /__control/script   { "key": "<api key>" | "*", "behaviours": Behaviour[] }
//                 POST /__control/default  { "behaviour": Behaviour }
//                 POST /__control/reset
//                 GET  /__control/calls    -> { "calls": FakeCall[] }
//                 GET  /__control/stats    -> FakeStats (requests, 429s, per key)
//                 POST /__control/limit    { "rpm": number | null } (per-key requests per minute)
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createAnswerer, parsePrompt, type QuestionsBehaviour } from "./questions.ts";

export type { QuestionsBehaviour } from "./questions.ts";
export { UNREQUESTED_CATEGORY, parsePrompt } from "./questions.ts";

interface Common {
  /** Wait this long before answering (the client may give up first). */
  latencyMs?: number;
}

/** What the fake does for one request. JSON-serializable, so it can be scripted over HTTP. */
export type Behaviour = Common &
  (
    | QuestionsBehaviour
    /** An error answer, e.g. 429 with `{ "retry-after": "2" }`. Body default: OpenAI error shape. */
    | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string> }
    /** Never answers; the connection stays open until the client gives up or close(). */
    | { kind: "hang" }
    /** Sends 200 headers and half a body, then nothing: a timeout must cover the body too. */
    | { kind: "stall" }
    /** A 200 whose model text is exactly `content` (e.g. malformed JSON). */
    | { kind: "raw"; content: string }
  );

export interface FakeCall {
  path: string;
  /** The bearer token sent, or null. */
  key: string | null;
  model: string | null;
  body: unknown;
  messages: Array<{ role: string; content: string }>;
  /** Epoch ms when the request arrived. */
  at: number;
  behaviour: Behaviour;
}

export interface FakeProviderOptions {
  port?: number;
  host?: string;
  /** Used when no scripted behaviour is queued; default `{ kind: "questions" }`. */
  defaultBehaviour?: Behaviour;
  /**
   * Requests per minute per API key, like a provider's own limit: a sliding 60 s window of the
   * requests it let through; past it, 429 with `retry-after` (seconds until a slot frees).
   * Unset or 0: no limit.
   */
  rpm?: number;
  /** Keep every call in `calls` (default true). Off for long runs: `stats` still counts them. */
  recordCalls?: boolean;
}

/** Counters since start or the last reset; `limited` are the 429s of the rpm limit. */
export interface FakeStats {
  requests: number;
  ok: number;
  limited: number;
  /** Epoch ms of the first and the last model request, or null before any. */
  firstAt: number | null;
  lastAt: number | null;
  rpm: number | null;
  byKey: Record<string, { requests: number; ok: number; limited: number }>;
}

export interface FakeProvider {
  /** Base URL, e.g. `http://127.0.0.1:40123`: groq-sdk's `baseURL`, HF's `endpointUrl`. */
  readonly url: string;
  /** Every model request so far, oldest first (live; cleared by reset). */
  readonly calls: readonly FakeCall[];
  /** Queues behaviours for the next requests with this key ('*': any key without its own queue). */
  script(key: string, ...behaviours: Behaviour[]): void;
  setDefault(behaviour: Behaviour): void;
  /** Always answers prompts for this role this way (until reset). */
  setRoleDefault(role: string, behaviour: Behaviour): void;
  /** Answers this key this way when it has nothing scripted (until reset). */
  setKeyDefault(key: string, behaviour: Behaviour): void;
  /** Counts of model requests (and of 429s from the rpm limit) since start or reset. */
  stats(): FakeStats;
  /** Sets the per-key requests-per-minute limit (null or 0: none); the windows restart. */
  setRpm(rpm: number | null): void;
  /** Clears queues, calls, stats and limit windows and restores the default behaviour. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT: Behaviour = { kind: "questions" };
const WINDOW_MS = 60_000;
const KINDS = new Set(["questions", "status", "hang", "stall", "raw"]);

export function isBehaviour(v: unknown): v is Behaviour {
  if (typeof v !== "object" || v === null) return false;
  const b = v as Record<string, unknown>;
  if (typeof b.kind !== "string" || !KINDS.has(b.kind)) return false;
  if (b.kind === "status") return typeof b.status === "number" && b.status >= 100 && b.status < 600;
  if (b.kind === "raw") return typeof b.content === "string";
  return true;
}

export async function startFakeProvider(opts: FakeProviderOptions = {}): Promise<FakeProvider> {
  const queues = new Map<string, Behaviour[]>();
  const calls: FakeCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const answer = createAnswerer();
  let fallback: Behaviour = opts.defaultBehaviour ?? DEFAULT;
  // Sticky behaviours by the prompt's `Role:` line, ahead of every queue: lets one job of a
  // batch misbehave deterministically however the calls interleave.
  const roleDefaults = new Map<string, Behaviour>();
  const keyDefaults = new Map<string, Behaviour>();
  const recordCalls = opts.recordCalls ?? true;
  let rpm = opts.rpm && opts.rpm > 0 ? opts.rpm : null;
  // Per key, when each request it let through in the last 60 s arrived (at most `rpm` entries).
  const windows = new Map<string, number[]>();
  let served = 0;
  const emptyStats = (): FakeStats => ({
    requests: 0,
    ok: 0,
    limited: 0,
    firstAt: null,
    lastAt: null,
    rpm,
    byKey: {},
  });
  let stats = emptyStats();

  /** Under the rpm limit: records the request and returns null; over it: seconds to wait. */
  const overLimit = (key: string, now: number): number | null => {
    if (rpm === null) return null;
    const window = windows.get(key) ?? [];
    while (window.length > 0 && window[0]! <= now - WINDOW_MS) window.shift();
    windows.set(key, window);
    if (window.length < rpm) {
      window.push(now);
      return null;
    }
    return Math.max(1, Math.ceil((window[0]! + WINDOW_MS - now) / 1000));
  };
  const setRpm = (value: number | null) => {
    rpm = value && value > 0 ? value : null;
    stats.rpm = rpm;
    windows.clear();
  };
  const count = (key: string, now: number, limited: boolean) => {
    stats.requests++;
    stats.firstAt ??= now;
    stats.lastAt = now;
    const k = (stats.byKey[key] ??= { requests: 0, ok: 0, limited: 0 });
    k.requests++;
    if (limited) {
      stats.limited++;
      k.limited++;
    }
  };

  const script = (key: string, ...behaviours: Behaviour[]) => {
    queues.set(key, [...(queues.get(key) ?? []), ...behaviours]);
  };
  const next = (key: string | null, role: string | undefined): Behaviour =>
    (role !== undefined ? roleDefaults.get(role) : undefined) ??
    (key !== null ? queues.get(key)?.shift() : undefined) ??
    (key !== null ? keyDefaults.get(key) : undefined) ??
    queues.get("*")?.shift() ??
    fallback;
  const reset = () => {
    queues.clear();
    roleDefaults.clear();
    keyDefaults.clear();
    calls.length = 0;
    windows.clear();
    stats = emptyStats();
    fallback = opts.defaultBehaviour ?? DEFAULT;
  };
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const server = http.createServer((req, res) => {
    void readJson(req).then(
      (body) => route(req, res, body),
      () => send(res, 400, { error: { message: "invalid JSON body", type: "invalid_request" } }),
    );
  });

  function route(req: http.IncomingMessage, res: http.ServerResponse, body: unknown): void {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path.startsWith("/__control/")) return control(req.method ?? "GET", path, body, res);
    if (
      req.method !== "POST" ||
      (path !== "/openai/v1/chat/completions" && path !== "/v1/chat/completions")
    ) {
      return send(res, 404, { error: { message: `no route ${req.method} ${path}` } });
    }
    const key = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim() ?? null;
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const messages = Array.isArray(b.messages)
      ? b.messages.map((m: { role?: unknown; content?: unknown }) => ({
          role: String(m?.role ?? ""),
          content: typeof m?.content === "string" ? m.content : JSON.stringify(m?.content ?? ""),
        }))
      : [];
    const model = typeof b.model === "string" ? b.model : null;
    const lastUser = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
    const now = Date.now();
    const retryAfter = overLimit(key ?? "", now);
    count(key ?? "", now, retryAfter !== null);
    if (retryAfter !== null) {
      // The provider's own limit comes first: a scripted behaviour is kept for a later request.
      return send(
        res,
        429,
        { error: { message: "fake rate limit reached", type: "rate_limit_exceeded" } },
        { "retry-after": String(retryAfter) },
      );
    }
    const behaviour = next(key, parsePrompt(lastUser).role);
    if (recordCalls) calls.push({ path, key, model, body, messages, at: now, behaviour });
    if (behaviour.kind === "hang") return; // the socket stays open until the client leaves
    const respond = () => {
      if (res.destroyed || res.writableEnded) return; // the client gave up meanwhile
      if (behaviour.kind === "stall") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"id":"chatcmpl-stalled","choices":[');
        return;
      }
      modelAnswer(res, behaviour, messages, model, key);
    };
    if (behaviour.latencyMs && behaviour.latencyMs > 0) later(behaviour.latencyMs, respond);
    else respond();
  }

  function modelAnswer(
    res: http.ServerResponse,
    behaviour: Exclude<Behaviour, { kind: "hang" | "stall" }>,
    messages: FakeCall["messages"],
    model: string | null,
    key: string | null,
  ): void {
    if (behaviour.kind === "status") {
      const errorBody = behaviour.body ?? {
        error: { message: `fake error ${behaviour.status}`, type: "fake_error" },
      };
      return send(res, behaviour.status, errorBody, behaviour.headers);
    }
    const lastUser = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
    const content =
      behaviour.kind === "raw" ? behaviour.content : answer(behaviour, parsePrompt(lastUser));
    const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
    const usage = {
      prompt_tokens: Math.max(1, Math.ceil(promptChars / 4)),
      completion_tokens: Math.max(1, Math.ceil(content.length / 4)),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    stats.ok++;
    const k = stats.byKey[key ?? ""];
    if (k) k.ok++;
    served++;
    send(res, 200, {
      id: `chatcmpl-fake-${recordCalls ? calls.length : served}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: model ?? "fake-model",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content },
          finish_reason: "stop",
          logprobs: null,
        },
      ],
      usage,
    });
  }

  function control(method: string, path: string, body: unknown, res: http.ServerResponse): void {
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    if (method === "GET" && path === "/__control/calls") return send(res, 200, { calls });
    if (method === "GET" && path === "/__control/stats") return send(res, 200, stats);
    if (method === "POST" && path === "/__control/limit") {
      const value = b.rpm;
      if (value !== null && (typeof value !== "number" || !Number.isInteger(value) || value < 0)) {
        return send(res, 400, { error: "expected { rpm: non-negative integer | null }" });
      }
      setRpm(value);
      return send(res, 200, { ok: true });
    }
    if (method === "POST" && path === "/__control/reset") {
      reset();
      return send(res, 200, { ok: true });
    }
    if (method === "POST" && path === "/__control/script") {
      const behaviours = b.behaviours;
      if (
        typeof b.key !== "string" ||
        !Array.isArray(behaviours) ||
        !behaviours.every(isBehaviour)
      ) {
        return send(res, 400, { error: "expected { key: string, behaviours: Behaviour[] }" });
      }
      script(b.key, ...behaviours);
      return send(res, 200, { ok: true });
    }
    if (method === "POST" && path === "/__control/default") {
      if (!isBehaviour(b.behaviour)) return send(res, 400, { error: "expected { behaviour }" });
      fallback = b.behaviour;
      return send(res, 200, { ok: true });
    }
    send(res, 404, { error: `no control route ${method} ${path}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? "127.0.0.1";

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    get calls() {
      return calls;
    },
    stats: () => stats,
    setRpm,
    script,
    setDefault: (behaviour) => {
      fallback = behaviour;
    },
    setRoleDefault: (role, behaviour) => {
      roleDefaults.set(role, behaviour);
    },
    setKeyDefault: (key, behaviour) => {
      keyDefaults.set(key, behaviour);
    },
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        // Hanging requests would keep close() waiting forever.
        server.closeAllConnections();
      }),
  };
}

/** Scripts a fake running in another process through its control routes. */
export function connectFakeProvider(url: string) {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`fake provider control ${path}: HTTP ${res.status}`);
  };
  return {
    url,
    script: (key: string, ...behaviours: Behaviour[]) =>
      post("/__control/script", { key, behaviours }),
    setDefault: (behaviour: Behaviour) => post("/__control/default", { behaviour }),
    reset: () => post("/__control/reset", {}),
    setRpm: (rpm: number | null) => post("/__control/limit", { rpm }),
    stats: async (): Promise<FakeStats> => {
      const res = await fetch(`${url}/__control/stats`);
      return (await res.json()) as FakeStats;
    },
    calls: async (): Promise<FakeCall[]> => {
      const res = await fetch(`${url}/__control/calls`);
      return ((await res.json()) as { calls: FakeCall[] }).calls;
    },
  };
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", reject);
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(text.length === 0 ? undefined : JSON.parse(text));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  const isText = typeof body === "string";
  res.writeHead(status, {
    "content-type": isText ? "text/plain; charset=utf-8" : "application/json",
    ...headers,
  });
  res.end(isText ? body : JSON.stringify(body));
}
