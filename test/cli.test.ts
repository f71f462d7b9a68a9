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
