import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse as parseCsv } from "csv-parse/sync";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { startSystem, type TestSystem } from "./helpers/system.ts";

// The real CLI, run as a child process (as `pnpm qforge` runs it), against the whole system in
// this process: API + workers + the fake provider over HTTP + Postgres + Redis.

const ROOT = path.resolve(import.meta.dirname, "..");
const CLI = path.join(ROOT, "apps/cli/src/main.ts");
const KEY = "client-key-cli-test-7f3a";
const GROQ_KEY = "gsk_fake_cli_key_000000000000000000";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Everything the CLI printed in this file, to check that the key never shows. */
const printed: string[] = [];

function run(
  args: string[],
  opts: {
    url: string;
    key?: string | null;
    env?: Record<string, string>;
    cwd?: string;
    command?: string[];
  },
): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  delete env.QFORGE_URL;
  delete env.QFORGE_API_KEY;
  delete env.INIT_CWD;
  env.QFORGE_URL = opts.url;
  if (opts.key !== null) env.QFORGE_API_KEY = opts.key ?? KEY;
  const [cmd, ...base] = opts.command ?? [process.execPath, "--import", "tsx", CLI];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, [...base, ...args], { cwd: opts.cwd ?? ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      printed.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (s: string) => s.split("\n").filter((l) => l.length > 0);

let fake: FakeProvider;
let sys: TestSystem;
let dir: string;

beforeAll(async () => {
  fake = await startFakeProvider();
  sys = await startSystem({
    API_KEYS: KEY,
    GROQ_API_KEYS: GROQ_KEY,
    GROQ_BASE_URL: fake.url,
    GROQ_MODEL: "fake-llama",
    QUESTIONS_PER_CALL: "10",
    // One failing job must fail fast and must not open the breaker for the others.
    JOB_ATTEMPTS: "1",
    BREAKER_FAILURE_THRESHOLD: "1000",
  });
  dir = await mkdtemp(path.join(tmpdir(), "qforge-cli-"));
});
afterAll(async () => {
  await sys?.close();
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  // Checked last, over every run of the file.
  expect(printed.join("\n")).not.toContain(KEY);
});

const api = () => ({ url: sys.api.url });

async function file(name: string, content: string): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, content);
  return p;
}

async function jobsOf(batchId: string): Promise<any[]> {
  const res = await sys.call(`/api/v1/batches/${batchId}/jobs?limit=500`, { key: KEY });
  expect(res.status).toBe(200);
  return res.body.data;
}

async function batchCount(): Promise<number> {
  let n = 0;
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const res = await sys.call(`/api/v1/batches?limit=100${q}`, { key: KEY });
    n += res.body.data.length;
    cursor = res.body.next_cursor;
  } while (cursor);
  return n;
}

const JSONL_ITEMS = [
  {
    role: "Backend Engineer",
    difficulty: "medium",
    question_count: 3,
    categories: ["Databases", "APIs"],
  },
  { role: "QA Engineer", difficulty: "easy", question_count: 2 },
  { role: "Site Reliability Engineer", difficulty: "hard", question_count: 4, fresh: true },
];

describe("submit", () => {
  let batchId: string;

  test("a JSONL file with --wait prints the batch id and exits 0 when every job completed", async () => {
    const f = await file(
      "items.jsonl",
      JSONL_ITEMS.map((i) => JSON.stringify(i)).join("\n") + "\n",
    );
    const r = await run(
      ["submit", f, "--wait", "--metadata", "team=hiring", "--poll-interval", "200"],
      api(),
    );
    expect(r.stderr).toMatch(/completed: 3 jobs, 3 completed, 0 failed, 0 cancelled/);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toHaveLength(1);
    batchId = r.stdout.trim();
    expect(batchId).toMatch(UUID);
    const batch = await sys.call(`/api/v1/batches/${batchId}`, { key: KEY });
    expect(batch.body).toMatchObject({ status: "completed", metadata: { team: "hiring" } });
    expect((await jobsOf(batchId)).map((j) => j.request)).toEqual(JSONL_ITEMS);
  });

  test("a JSON array file", async () => {
    const items = [
      { role: "Frontend Engineer", difficulty: "easy", question_count: 1 },
      { role: "Data Engineer", difficulty: "hard", question_count: 2, categories: ["Pipelines"] },
    ];
    const f = await file("items.json", JSON.stringify(items, null, 2));
    const r = await run(["submit", f], api());
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(UUID);
    expect((await jobsOf(id)).map((j) => j.request)).toEqual(items);
  });

  test("a CSV file: categories split on | or ;, whole numbers and booleans converted", async () => {
    const f = await file(
      "items.csv",
      [
        "role,difficulty,question_count,categories,fresh",
        "Security Engineer,hard,2,Threat Modeling|Cryptography,",
        '"ML Engineer, Applied",medium,1,"Models; Data, Features",true',
      ].join("\n"),
    );
    const r = await run(["submit", f], api());
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect((await jobsOf(id)).map((j) => j.request)).toEqual([
      {
        role: "Security Engineer",
        difficulty: "hard",
        question_count: 2,
        categories: ["Threat Modeling", "Cryptography"],
      },
      {
        role: "ML Engineer, Applied",
        difficulty: "medium",
        question_count: 1,
        categories: ["Models", "Data, Features"],
        fresh: true,
      },
    ]);
  });

  test("through `pnpm qforge`, with a path relative to where it was typed", async () => {
    await file(
      "rel.jsonl",
      JSON.stringify({ role: "Tech Writer", difficulty: "easy", question_count: 1 }),
    );
    const r = await run(["submit", "rel.jsonl"], {
      ...api(),
      cwd: dir,
      command: ["pnpm", "--silent", "--dir", ROOT, "qforge"],
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(UUID);
  });

  test("a file with bad lines: each reported with its line number, nothing submitted", async () => {
    const before = await batchCount();
    const f = await file(
      "bad.jsonl",
      [
        JSON.stringify({ role: "Fine", difficulty: "easy", question_count: 1 }),
        JSON.stringify({ role: "Fine", difficulty: "easy", question_count: "3" }),
        "",
        "{not json",
        JSON.stringify({ role: "Fine", difficulty: "impossible", question_count: 1, extra: 1 }),
      ].join("\n"),
    );
    const r = await run(["submit", f, "--wait"], api());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([
      `${f}:2: /question_count: must be an integer from 1 to 50`,
      expect.stringMatching(
        new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4: not valid JSON`),
      ),
      `${f}:5: /difficulty: must be one of "easy", "medium", "hard"`,
      `${f}:5: /extra: unknown field`,
      `qforge: ${f}: 4 problems on 3 lines; nothing was submitted`,
    ]);
    expect(await batchCount()).toBe(before);
  });

  test("a batch with a failed job: --wait exits 2", async () => {
    fake.setRoleDefault("Doomed Role", { kind: "status", status: 500 });
    const f = await file(
      "doomed.jsonl",
      [
        { role: "Good Role", difficulty: "easy", question_count: 1 },
        { role: "Doomed Role", difficulty: "easy", question_count: 1 },
      ]
        .map((i) => JSON.stringify(i))
        .join("\n"),
    );
    const r = await run(["submit", f, "--wait", "--poll-interval", "200"], api());
    expect(r.stderr).toMatch(/completed: 2 jobs, 1 completed, 1 failed, 0 cancelled/);
    expect(r.code).toBe(2);
  });

  test("the API's problem+json is one clear line: title, detail, each error's path and message", async () => {
    const before = await batchCount();
    const f = await file(
      "one.jsonl",
      JSON.stringify({ role: "A", difficulty: "easy", question_count: 1 }),
    );
    const r = await run(["submit", f, "--webhook-url", "ftp://example.com/hook"], api());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe(
      "qforge: 400 Invalid request: the request body is invalid; /webhook_url: must be an absolute http(s) URL",
    );
    expect(await batchCount()).toBe(before);
  });

  test("status of the batch, and of one of its jobs", async () => {
    expect(batchId).toBeDefined();
    const b = await run(["status", batchId], api());
    expect(b.code).toBe(0);
    expect(lines(b.stdout)[0]).toBe(`batch ${batchId}: completed`);
    expect(b.stdout).toMatch(
      /^jobs +3 total: 3 completed, 0 failed, 0 cancelled, 0 active, 0 queued$/m,
    );
    expect(b.stdout).toMatch(/^metadata +team=hiring$/m);

    const bj = await run(["status", batchId, "--json"], api());
    const fromApi = await sys.call(`/api/v1/batches/${batchId}`, { key: KEY });
    expect(JSON.parse(bj.stdout)).toEqual(fromApi.body);

    const job = (await jobsOf(batchId))[0];
    const j = await run(["status", job.id], api());
    expect(j.code).toBe(0);
    expect(lines(j.stdout)[0]).toBe(`job ${job.id}: completed`);
    expect(j.stdout).toMatch(new RegExp(`^batch +${batchId}, item 0$`, "m"));
    expect(j.stdout).toMatch(
      /^request +Backend Engineer, medium, 3 questions, categories: Databases, APIs$/m,
    );
    expect(j.stdout).toMatch(/^questions +3 \(3 ai via groq\)$/m);

    const jj = await run(["status", job.id, "--json"], api());
    expect(JSON.parse(jj.stdout)).toEqual(job);
  });

  test("status of an unknown id", async () => {
    const r = await run(["status", "01900000-0000-7000-8000-000000000000"], api());
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "qforge: no batch or job 01900000-0000-7000-8000-000000000000 (for this API key)",
    );
  });

  test("results --format csv: the exact header and one row per question", async () => {
    const out = path.join(dir, "results.csv");
    const r = await run(["results", batchId, "--format", "csv", "--output", out], api());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/9 questions from 3 jobs/);
    const text = await readFile(out, "utf8");
    expect(text.split("\n")[0]).toBe(
      "job_id,index,role,difficulty,category,question,key_points,source,provider",
    );
    const rows = parseCsv(text, { columns: true }) as Record<string, string>[];
    const expected = (await jobsOf(batchId)).flatMap((job) =>
      job.questions.map((q: any) => ({
        job_id: job.id,
        index: String(job.index),
        role: job.request.role,
        difficulty: q.difficulty,
        category: q.category,
        question: q.question,
        key_points: q.key_points.join(" | "),
        source: q.source,
        provider: q.provider ?? "",
      })),
    );
    expect(expected).toHaveLength(9);
    expect(rows).toEqual(expected);
    // No half-written file is left beside the output.
    expect((await readdir(dir)).filter((n) => n.includes("partial"))).toEqual([]);

    const toStdout = await run(["results", batchId, "--format", "csv"], api());
    expect(toStdout.stdout).toBe(text);
  });

  test("results --format jsonl: one JSON object per question", async () => {
    const r = await run(["results", batchId, "--format", "jsonl"], api());
    expect(r.code).toBe(0);
    const got = lines(r.stdout).map((l) => JSON.parse(l));
    const expected = (await jobsOf(batchId)).flatMap((job) =>
      job.questions.map((q: any) => ({
        job_id: job.id,
        index: job.index,
        role: job.request.role,
        difficulty: q.difficulty,
        category: q.category,
        question: q.question,
        key_points: q.key_points,
        source: q.source,
        provider: q.provider,
        model: q.model,
        question_id: q.id,
      })),
    );
    expect(got).toEqual(expected);
  });

  test("results of a lone job", async () => {
    const created = await sys.call("/api/v1/questions/generate?wait=20", {
      method: "POST",
      key: KEY,
      body: { role: "Solo Engineer", difficulty: "hard", question_count: 2, categories: ["Go"] },
    });
    expect(created.status).toBe(200);
    const r = await run(["results", created.body.id, "--format", "csv"], api());
    expect(r.code).toBe(0);
    const rows = parseCsv(r.stdout, { columns: true }) as Record<string, string>[];
    expect(
      rows.map((row) => [row.job_id, row.index, row.role, row.category, row.provider]),
    ).toEqual([
      [created.body.id, "0", "Solo Engineer", "Go", "groq"],
      [created.body.id, "0", "Solo Engineer", "Go", "groq"],
    ]);
  });
});

describe("auth and reachability", () => {
  test("without QFORGE_API_KEY: the 401, and why", async () => {
    const r = await run(["status", "01900000-0000-7000-8000-000000000000"], {
      ...api(),
      key: null,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "qforge: 401 Unauthorized: send a valid API key as `Authorization: Bearer <key>` (QFORGE_API_KEY is not set)",
    );
  });

  test("a wrong key: refused, and never printed", async () => {
    const wrong = "wrong-key-that-must-not-print";
    const r = await run(["results", "01900000-0000-7000-8000-000000000000"], {
      ...api(),
      key: wrong,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/401 Unauthorized.*\(the key in QFORGE_API_KEY was refused\)/);
    expect(r.stdout + r.stderr).not.toContain(wrong);
  });

  test("an API that is not there", async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const r = await run(["status", "x"], { url: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `qforge: cannot reach qforge at http://127.0.0.1:${port} (ECONNREFUSED); is QFORGE_URL right and the API running?`,
    );
  });
});

// ---- Local servers: a forwarder that hides the event stream, and a stub speaking the contract.

interface Local {
  url: string;
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<Local> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const readBody = async (req: http.IncomingMessage) => {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
};

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  type = "application/json",
) {
  res.writeHead(status, { "content-type": type }).end(JSON.stringify(body));
}

const notFoundProblem = {
  type: "urn:qforge:problem:not-found",
  title: "Not Found",
  status: 404,
  detail: "no such route",
};

/** The real API, except that GET …/events answers 404 as a server without the route would. */
function hideEvents(target: string): Promise<Local> {
  return listen(async (req, res) => {
    if (/\/events(\?|$)/.test(req.url ?? "")) {
      sendJson(res, 404, notFoundProblem, "application/problem+json");
      return;
    }
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const h of ["authorization", "content-type", "accept", "idempotency-key"]) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    const upstream = await fetch(target + req.url, {
      method: req.method,
      headers,
      body: body === "" ? undefined : body,
    });
    res
      .writeHead(upstream.status, {
        "content-type": upstream.headers.get("content-type") ?? "text/plain",
      })
      .end(await upstream.text());
  });
}

describe("progress over polling (a server without the event stream)", () => {
  let proxy: Local;
  beforeAll(async () => {
    proxy = await hideEvents(sys.api.url);
  });
  afterAll(() => proxy?.close());

  test("submit --wait follows the real batch to its end", async () => {
    const f = await file(
      "poll.jsonl",
      [1, 2, 3]
        .map((n) =>
          JSON.stringify({ role: `Poll Role ${n}`, difficulty: "easy", question_count: n }),
        )
        .join("\n"),
    );
    const r = await run(["submit", f, "--wait", "--poll-interval", "100"], { url: proxy.url });
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(UUID);
    const err = lines(r.stderr);
    expect(err[0]).toBe("the event stream answered 404; polling every 100 ms");
    expect(err.at(-2)).toBe(
      "batch completed: 3/3 jobs ended (completed 3, failed 0, cancelled 0, active 0, queued 0)",
    );
    expect(err.at(-1)).toBe(`batch ${id} completed: 3 jobs, 3 completed, 0 failed, 0 cancelled`);
  });

  test("watch of a batch that ended, and of an unknown one", async () => {
    const f = await file(
      "poll2.jsonl",
      JSON.stringify({ role: "Watcher", difficulty: "easy", question_count: 1 }),
    );
    const submitted = await run(["submit", f, "--wait"], api());
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    const r = await run(["watch", id], { url: proxy.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`batch ${id} completed: 1 jobs, 1 completed, 0 failed, 0 cancelled\n`);

    const unknown = await run(["watch", "01900000-0000-7000-8000-000000000000"], {
      url: proxy.url,
    });
    expect(unknown.code).toBe(1);
    expect(lines(unknown.stderr).at(-1)).toBe(
      "qforge: no batch 01900000-0000-7000-8000-000000000000 (for this API key)",
    );
  });
});

const batchOf = (id: string, status: string, counts: Record<string, number>) => ({
  id,
  status,
  counts: { total: 3, queued: 0, active: 0, completed: 0, failed: 0, cancelled: 0, ...counts },
  created_at: "2026-11-20T10:00:00.000Z",
  completed_at:
    status === "completed" || status === "cancelled" ? "2026-11-20T10:01:00.000Z" : null,
  webhook_url: null,
  metadata: null,
  usage: { provider_calls: 0, prompt_tokens: 0, completion_tokens: 0 },
});

const PROVIDERS = {
  data: [
    {
      name: "groq",
      enabled: true,
      keys: [
        {
          id: "groq#1",
          enabled: true,
          disabled_reason: null,
          breaker: "closed",
          health: 0.98,
          latency_ms: 420,
          usage_today: { requests: 812, tokens: 50000, percent: 81.2 },
          limits: { rpm: 30, rpd: 1000, tpm: 12000, tpd: 100000 },
          alerts: [{ threshold: 80, at: "2026-11-20T09:00:00.000Z" }],
        },
        {
          id: "groq#2",
          enabled: false,
          disabled_reason: "revoked",
          breaker: "open",
          health: 0,
          latency_ms: null,
          usage_today: { requests: 0, tokens: 0, percent: 0 },
          limits: { rpm: 30, rpd: 1000, tpm: 12000, tpd: 100000 },
          alerts: [],
        },
      ],
    },
    {
      name: "openai_compat",
      enabled: true,
      keys: [
        {
          id: "openai_compat#1",
          enabled: true,
          disabled_reason: null,
          breaker: "half_open",
          health: 0.5,
          latency_ms: 1200,
          usage_today: { requests: 10, tokens: 900, percent: 100 },
          limits: { rpm: 0, rpd: 10, tpm: 0, tpd: 0 },
          alerts: [
            { threshold: 80, at: "2026-11-20T08:00:00.000Z" },
            { threshold: 90, at: "2026-11-20T08:30:00.000Z" },
            { threshold: 100, at: "2026-11-20T09:00:00.000Z" },
          ],
        },
      ],
    },
  ],
};

/** A server in the contract's form: the SSE stream of a few scripted batches, and providers. */
function contractStub(): Promise<Local> {
  const sse = (res: http.ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
  };
  const event = (name: string, data: unknown) =>
    `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  return listen(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      sendJson(
        res,
        401,
        { title: "Unauthorized", status: 401, detail: "no" },
        "application/problem+json",
      );
      return;
    }
    const url = req.url ?? "";
    if (req.method === "POST" && url === "/api/v1/batches") {
      await readBody(req);
      sendJson(res, 202, batchOf("sse-ok", "queued", { queued: 3 }));
    } else if (url === "/api/v1/batches/sse-ok/events") {
      sse(res);
      const progress = event(
        "progress",
        batchOf("sse-ok", "in_progress", { queued: 1, active: 1, completed: 1 }),
      );
      // One event split across writes, a comment and an event the client does not know.
      res.write(event("progress", batchOf("sse-ok", "queued", { queued: 3 })));
      res.write(progress.slice(0, 25));
      await new Promise((r) => setTimeout(r, 50));
      res.write(progress.slice(25) + ": keep-alive\n\nevent: noise\ndata: {}\n\n");
      // The stream stays open after `end`: the client must stop on the event itself.
      res.write(event("end", batchOf("sse-ok", "completed", { completed: 3 })));
    } else if (url === "/api/v1/batches/sse-failed/events") {
      sse(res);
      res.end(
        event("progress", batchOf("sse-failed", "in_progress", { active: 3 })) +
          event("end", batchOf("sse-failed", "completed", { completed: 2, failed: 1 })),
      );
    } else if (url === "/api/v1/batches/sse-cut/events") {
      sse(res);
      res.end(event("progress", batchOf("sse-cut", "in_progress", { completed: 1, active: 2 })));
    } else if (url === "/api/v1/batches/sse-cut") {
      sendJson(res, 200, batchOf("sse-cut", "completed", { completed: 3 }));
    } else if (url === "/api/v1/providers") {
      sendJson(res, 200, PROVIDERS);
    } else {
      sendJson(res, 404, notFoundProblem, "application/problem+json");
    }
  });
}

describe("against a server in the contract's form (event stream, providers)", () => {
  let stub: Local;
  beforeAll(async () => {
    stub = await contractStub();
  });
  afterAll(() => stub?.close());

  test("watch reads progress and end events from the stream", async () => {
    const r = await run(["watch", "sse-ok"], { url: stub.url });
    expect(r.code).toBe(0);
    expect(lines(r.stderr)).toEqual([
      "batch queued: 0/3 jobs ended (completed 0, failed 0, cancelled 0, active 0, queued 3)",
      "batch in_progress: 1/3 jobs ended (completed 1, failed 0, cancelled 0, active 1, queued 1)",
      "batch completed: 3/3 jobs ended (completed 3, failed 0, cancelled 0, active 0, queued 0)",
    ]);
    expect(r.stdout).toBe("batch sse-ok completed: 3 jobs, 3 completed, 0 failed, 0 cancelled\n");
  });

  test("submit --wait follows the stream too", async () => {
    const f = await file(
      "sse.jsonl",
      JSON.stringify({ role: "A", difficulty: "easy", question_count: 1 }),
    );
    const r = await run(["submit", f, "--wait"], { url: stub.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("sse-ok\n");
    expect(lines(r.stderr).at(-1)).toBe(
      "batch sse-ok completed: 3 jobs, 3 completed, 0 failed, 0 cancelled",
    );
  });

  test("an end with failed jobs exits 2", async () => {
    const r = await run(["watch", "sse-failed"], { url: stub.url });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(
      "batch sse-failed completed: 3 jobs, 2 completed, 1 failed, 0 cancelled\n",
    );
  });

  test("a stream that closes before the end falls back to polling", async () => {
    const r = await run(["watch", "sse-cut", "--poll-interval", "50"], { url: stub.url });
    expect(r.code).toBe(0);
    expect(lines(r.stderr)).toEqual([
      "batch in_progress: 1/3 jobs ended (completed 1, failed 0, cancelled 0, active 2, queued 0)",
      "the event stream closed before the batch ended; polling every 50 ms",
      "batch completed: 3/3 jobs ended (completed 3, failed 0, cancelled 0, active 0, queued 0)",
    ]);
  });

  test("providers: one row per key", async () => {
    const r = await run(["providers"], { url: stub.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "PROVIDER       KEY              ENABLED       BREAKER    HEALTH  USAGE %  ALERTS",
        "groq           groq#1           yes           closed     0.98    81.2     80%",
        "groq           groq#2           no (revoked)  open       0.00    0.0      -",
        "openai_compat  openai_compat#1  yes           half_open  0.50    100.0    80%,90%,100%",
        "",
      ].join("\n"),
    );
    const json = await run(["providers", "--json"], { url: stub.url });
    expect(JSON.parse(json.stdout)).toEqual(PROVIDERS);
  });

  test("providers of the real API", async () => {
    const fromApi = await sys.call("/api/v1/providers", { key: KEY });
    const r = await run(["providers"], api());
    if (fromApi.status === 404) {
      // The route is not on this server (yet): a clear message, not a stack trace.
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        "qforge: this qforge server has no GET /api/v1/providers (it is older than this CLI)",
      );
    } else {
      expect(r.code).toBe(0);
      expect(lines(r.stdout)[0]).toMatch(
        /^PROVIDER +KEY +ENABLED +BREAKER +HEALTH +USAGE % +ALERTS$/,
      );
      expect(r.stdout).toMatch(/^groq +groq#1 +yes +closed /m);
      expect(r.stdout).not.toContain(GROQ_KEY);
    }
  });
});

describe("many items (a system without workers: jobs stay queued)", () => {
  let idle: TestSystem;
  beforeAll(async () => {
    idle = await startSystem(
      { API_KEYS: KEY, GROQ_API_KEYS: GROQ_KEY, GROQ_BASE_URL: fake.url },
      { workers: false },
    );
  });
  afterAll(() => idle?.close());

  test("results pages through every job (501 jobs: two pages of 500)", async () => {
    const items = Array.from({ length: 501 }, (_, i) => ({
      role: `Role ${i}`,
      difficulty: "easy",
      question_count: 1,
    }));
    const f = await file("501.jsonl", items.map((i) => JSON.stringify(i)).join("\n"));
    const submitted = await run(["submit", f], { url: idle.api.url });
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    const s = await run(["status", id], { url: idle.api.url });
    expect(lines(s.stdout)[0]).toBe(`batch ${id}: queued`);
    const r = await run(["results", id, "--format", "csv"], { url: idle.api.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "job_id,index,role,difficulty,category,question,key_points,source,provider\n",
    );
    expect(lines(r.stderr)).toEqual([
      "0 questions from 501 jobs",
      "note: 501 of 501 jobs have not completed; their questions are missing",
    ]);
  });

  test("more than 10,000 requests become several batches, one id per line", async () => {
    const items = Array.from({ length: 10_001 }, (_, i) => ({
      role: `Bulk ${i}`,
      difficulty: "medium",
      question_count: 1,
    }));
    const f = await file("10001.json", JSON.stringify(items));
    const r = await run(["submit", f], { url: idle.api.url });
    expect(r.code).toBe(0);
    const ids = lines(r.stdout);
    expect(ids).toHaveLength(2);
    expect(r.stderr).toContain("10001 requests submitted as 2 batches");
    const totals = await Promise.all(
      ids.map(
        async (id) => (await idle.call(`/api/v1/batches/${id}`, { key: KEY })).body.counts.total,
      ),
    );
    expect(totals).toEqual([10_000, 1]);
    const last = await idle.call(`/api/v1/batches/${ids[1]}/jobs`, { key: KEY });
    expect(last.body.data[0].request.role).toBe("Bulk 10000");
  }, 120_000);
});
