import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startSystem, type TestSystem } from "./helpers/system.ts";

// Every validation rule of the contract's GenerateRequest, batch body and queries: each bad
// input gets a 4xx problem+json naming the offending value, and changes nothing.

const KEY = "client-key-validation-1";
let sys: TestSystem;

beforeAll(async () => {
  sys = await startSystem({ API_KEYS: KEY }, { workers: false });
});
afterAll(async () => {
  await sys?.close();
});

const valid = { role: "Backend Engineer", difficulty: "medium", question_count: 3 };
const rows = async () => (await sys.db.job.count()) + (await sys.db.batch.count());

async function expectProblem(
  path: string,
  body: unknown,
  status: number,
  pointer?: string,
  headers?: Record<string, string>,
) {
  const before = await rows();
  const res = await sys.call(path, {
    method: "POST",
    body,
    key: KEY,
    ...(headers ? { headers } : {}),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: expect.any(String), type: expect.any(String) });
  if (pointer !== undefined) {
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(pointer);
  }
  expect(await rows()).toBe(before);
  return res.body;
}

describe("GenerateRequest", () => {
  test.each([
    ["role missing", { ...valid, role: undefined }, "/role"],
    ["role empty after trimming", { ...valid, role: "   " }, "/role"],
    ["role over 200 characters", { ...valid, role: "x".repeat(201) }, "/role"],
    ["role with a control character", { ...valid, role: "Back\u0007end" }, "/role"],
    ["role with an inner newline", { ...valid, role: "Back\nend" }, "/role"],
    ["role not a string", { ...valid, role: 5 }, "/role"],
    ["difficulty unknown", { ...valid, difficulty: "expert" }, "/difficulty"],
    ["difficulty in other case", { ...valid, difficulty: "Easy" }, "/difficulty"],
    ["question_count as a string", { ...valid, question_count: "3" }, "/question_count"],
    ["question_count 0", { ...valid, question_count: 0 }, "/question_count"],
    ["question_count 51", { ...valid, question_count: 51 }, "/question_count"],
    ["question_count fractional", { ...valid, question_count: 2.5 }, "/question_count"],
    ["question_count null", { ...valid, question_count: null }, "/question_count"],
    ["categories not an array", { ...valid, categories: "APIs" }, "/categories"],
    ["11 categories", { ...valid, categories: [..."abcdefghijk"] }, "/categories"],
    ["an empty category", { ...valid, categories: ["APIs", " "] }, "/categories/1"],
    ["a category over 100", { ...valid, categories: ["x".repeat(101)] }, "/categories/0"],
    ["duplicate categories by case", { ...valid, categories: ["APIs", "apis"] }, "/categories/1"],
    ["fresh not a boolean", { ...valid, fresh: "true" }, "/fresh"],
    ["an unknown field", { ...valid, colour: "blue" }, "/colour"],
    ["webhook_url not http(s)", { ...valid, webhook_url: "ftp://example.com/x" }, "/webhook_url"],
    ["webhook_url not a URL", { ...valid, webhook_url: "hello" }, "/webhook_url"],
    ["webhook_url with NUL", { ...valid, webhook_url: "http://a.example/\u0000" }, "/webhook_url"],
    ["role with an unpaired surrogate", { ...valid, role: "Back\ud800end" }, "/role"],
    [
      "a category with an unpaired surrogate",
      { ...valid, categories: ["a\udc00"] },
      "/categories/0",
    ],
    [
      "question_count beyond any number",
      '{"role":"r","difficulty":"easy","question_count":1e400}',
      "/question_count",
    ],
    ["question_count -0.5", { ...valid, question_count: -0.5 }, "/question_count"],
  ])("%s → 400", async (_name, body, pointer) => {
    await expectProblem("/api/v1/questions/generate", body, 400, pointer);
  });

  test("messages say what is wrong with each value", async () => {
    const problem = await expectProblem(
      "/api/v1/questions/generate",
      { difficulty: "easy", question_count: "3", categories: ["a", "A"], fresh: 1, x: 1 },
      400,
    );
    expect(problem).toMatchObject({
      type: "urn:qforge:problem:invalid-request",
      title: "Invalid request",
    });
    const byPath = Object.fromEntries(
      problem.errors.map((e: { path: string; message: string }) => [e.path, e.message]),
    );
    expect(byPath).toEqual({
      "/role": "is required",
      "/question_count": "must be an integer from 1 to 50",
      "/categories/1": "duplicates another category (case-insensitive)",
      "/fresh": "must be a boolean",
      "/x": "unknown field",
    });
  });

  test("emoji and other well-formed Unicode are fine", async () => {
    const res = await sys.call("/api/v1/questions/generate", {
      method: "POST",
      key: KEY,
      body: { ...valid, role: "Ingénieure 🚀 Backend", categories: ["数据库"] },
    });
    expect(res.status).toBe(202);
    expect(res.body.request.role).toBe("Ingénieure 🚀 Backend");
  });

  test("?wait=0 answers at once; ?wait=30 is accepted (and waits)", async () => {
    const now = await sys.call("/api/v1/questions/generate?wait=0", {
      method: "POST",
      key: KEY,
      body: valid,
    });
    expect(now.status).toBe(202);
    // No worker runs here, so an accepted ?wait=30 holds the request: a 400 would answer at once.
    const outcome = await fetch(`${sys.api.url}/api/v1/questions/generate?wait=30`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(valid),
      signal: AbortSignal.timeout(700),
    }).then(
      (r) => r.status,
      (e: Error) => e.name,
    );
    expect(outcome).toBe("TimeoutError");
  });

  test("several faults are all reported", async () => {
    const problem = await expectProblem(
      "/api/v1/questions/generate",
      { role: "", difficulty: "x", question_count: "3", extra: 1 },
      400,
    );
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ["/difficulty", "/extra", "/question_count", "/role"].sort(),
    );
  });

  test("strings are trimmed; boundaries are accepted", async () => {
    const res = await sys.call("/api/v1/questions/generate", {
      method: "POST",
      key: KEY,
      body: {
        role: "  " + "r".repeat(200) + "  ",
        difficulty: "hard",
        question_count: 50,
        categories: [..."abcdefghij"].map((c) => ` ${c} `),
        fresh: true,
      },
    });
    expect(res.status).toBe(202);
    expect(res.body.request).toEqual({
      role: "r".repeat(200),
      difficulty: "hard",
      question_count: 50,
      categories: [..."abcdefghij"],
      fresh: true,
    });
    expect(res.headers.get("location")).toBe(`/api/v1/jobs/${res.body.id}`);
  });

  test.each([["-1"], ["31"], ["abc"], ["1.5"], ["100"]])("?wait=%s → 400", async (wait) => {
    await expectProblem(`/api/v1/questions/generate?wait=${wait}`, valid, 400, "/wait");
  });
});

describe("bodies", () => {
  test("malformed JSON → 400", async () => {
    await expectProblem("/api/v1/questions/generate", '{"role": ', 400);
  });
  test.each([["42"], ['"x"'], ["null"], ["[1]"]])(
    "the JSON value %s → 400 expected object",
    async (body) => {
      const problem = await expectProblem("/api/v1/questions/generate", body, 400);
      expect(problem.errors).toEqual([
        { path: "", message: expect.stringMatching(/expected object/) },
      ]);
    },
  );

  test("a wrong type is reported once, without the checks of the right type", async () => {
    const problem = await expectProblem(
      "/api/v1/questions/generate",
      { ...valid, role: Array(201).fill("a"), categories: "abcdefghijkl" },
      400,
    );
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(["/role", "/categories"]);
  });

  test("a declared length over 16 MiB → 413 before the body is sent", async () => {
    const { request } = await import("node:http");
    const url = new URL(`${sys.api.url}/api/v1/questions/generate`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: {
            authorization: `Bearer ${KEY}`,
            "content-type": "application/json",
            "content-length": String(17 * 1024 * 1024),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write("{"); // and nothing more: the answer must not wait for the rest
    });
    expect(status).toBe(413);
  });
  test("no body → 400", async () => {
    await expectProblem("/api/v1/questions/generate", undefined, 400);
  });
  test("not JSON → 415", async () => {
    await expectProblem("/api/v1/questions/generate", "role=x", 415, undefined, {
      "content-type": "application/x-www-form-urlencoded",
    });
  });
  test("over 16 MiB → 413", async () => {
    const huge = JSON.stringify({ ...valid, role: "x".repeat(17 * 1024 * 1024) });
    await expectProblem("/api/v1/questions/generate", huge, 413);
  });
});

describe("batches", () => {
  test.each([
    ["no items", { items: [] }, "/items"],
    ["items missing", {}, "/items"],
    ["over 10,000 items", { items: Array(10_001).fill(valid) }, "/items"],
    [
      "an invalid item",
      { items: [valid, { ...valid, question_count: 0 }] },
      "/items/1/question_count",
    ],
    [
      "metadata with 17 entries",
      {
        items: [valid],
        metadata: Object.fromEntries([...Array(17).keys()].map((i) => [`k${i}`, "v"])),
      },
      "/metadata",
    ],
    ["metadata with a number", { items: [valid], metadata: { a: 1 } }, "/metadata/a"],
    ["metadata not an object", { items: [valid], metadata: ["a"] }, "/metadata"],
    [
      "a metadata key __proto__",
      '{"items":[{"role":"r","difficulty":"easy","question_count":1}],"metadata":{"__proto__":"x"}}',
      "/metadata/__proto__",
    ],
    ["a metadata value with NUL", { items: [valid], metadata: { a: "x\u0000" } }, "/metadata/a"],
    [
      "a metadata key with NUL",
      { items: [valid], metadata: { "k\u0000": "v" } },
      "/metadata/k\u0000",
    ],
    [
      "a metadata value with an unpaired surrogate",
      { items: [valid], metadata: { a: "\ud800" } },
      "/metadata/a",
    ],
    ["an unknown field", { items: [valid], priority: 1 }, "/priority"],
  ])("%s → 400", async (_name, body, pointer) => {
    await expectProblem("/api/v1/batches", body, 400, pointer);
  });

  test.each([["limit=0"], ["limit=501"], ["limit=x"], ["status=done"]])(
    "GET jobs ?%s → 400",
    async (query) => {
      const created = await sys.call("/api/v1/batches", {
        method: "POST",
        key: KEY,
        body: { items: [valid] },
      });
      expect(created.status).toBe(202);
      const res = await sys.call(`/api/v1/batches/${created.body.id}/jobs?${query}`, { key: KEY });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    },
  );

  const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

  test.each([
    ["not base64 JSON", "/api/v1/batches?cursor=bm9wZQ"],
    [
      "a time out of range",
      `/api/v1/batches?cursor=${forged({ t: "-271821-04-20T00:00:00.000Z", id: "01a20c57-d624-74cc-a0e7-d6b7352efed1" })}`,
    ],
    [
      "a time that is no time",
      `/api/v1/batches?cursor=${forged({ t: "yesterday", id: "01a20c57-d624-74cc-a0e7-d6b7352efed1" })}`,
    ],
  ])("a batches cursor we did not make (%s) → 400", async (_n, path) => {
    const res = await sys.call(path, { key: KEY });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe("/cursor");
  });

  test.each([[2147483648], [1e308], [-1], [1.5], ["3"]])(
    "a jobs cursor index of %s → 400",
    async (i) => {
      const created = await sys.call("/api/v1/batches", {
        method: "POST",
        key: KEY,
        body: { items: [valid] },
      });
      const res = await sys.call(
        `/api/v1/batches/${created.body.id}/jobs?cursor=${forged({ i })}`,
        { key: KEY },
      );
      expect(res.status).toBe(400);
    },
  );
});

describe("ids and routes", () => {
  test.each([
    ["/api/v1/jobs/not-a-uuid"],
    ["/api/v1/jobs/00000000-0000-4000-8000-000000000000"],
    ["/api/v1/batches/123"],
    ["/api/v1/batches/00000000-0000-4000-8000-000000000000"],
    ["/api/v1/batches/00000000-0000-4000-8000-000000000000/jobs"],
    ["/api/v1/nothing-here"],
  ])("GET %s → 404 problem", async (path) => {
    const res = await sys.call(path, { key: KEY });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
  });
});

describe("auth", () => {
  test.each([
    [undefined],
    ["Bearer wrong-key"],
    [`Basic ${Buffer.from(`u:${KEY}`).toString("base64")}`],
    [`Bearer ${KEY}x`],
  ])("Authorization %s → 401 on every /api/v1 route", async (authorization) => {
    for (const [method, path] of [
      ["POST", "/api/v1/questions/generate"],
      ["POST", "/api/v1/batches"],
      ["GET", "/api/v1/batches"],
      ["GET", "/api/v1/jobs/00000000-0000-4000-8000-000000000000"],
    ] as const) {
      const res = await sys.call(path, {
        method,
        ...(method === "POST" ? { body: valid } : {}),
        headers: authorization ? { authorization } : {},
      });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  test("health and readiness are public", async () => {
    expect((await sys.call("/healthz")).status).toBe(200);
    const ready = await sys.call("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", checks: { redis: "ok", postgres: "ok" } });
  });
});
