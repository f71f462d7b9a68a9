import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFaultProxy, type FaultProxy } from "./helpers/proxy.ts";
import { eventually, startSystem, type TestSystem } from "./helpers/system.ts";

// Idempotency-Key on POST routes (CONTRACT.md, Idempotency).

const ALICE = "idem-key-alice-0001";
const BOB = "idem-key-bob-0002";
const item = { role: "Data Engineer", difficulty: "hard", question_count: 3 };

describe("with the stores up", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    // No workers: jobs stay queued, so `?wait=` holds a request for as long as it asks.
    sys = await startSystem({ API_KEYS: `${ALICE},${BOB}` }, { workers: false });
  });
  afterAll(async () => {
    await sys?.close();
  });

  const post = (path: string, body: unknown, key: string, idem?: string) =>
    sys.call(path, {
      method: "POST",
      key,
      body,
      ...(idem !== undefined ? { headers: { "idempotency-key": idem } } : {}),
    });

  test("same key and same body: the original answer again, nothing new created", async () => {
    const body = { items: [item, { ...item, categories: ["SQL", "Spark"] }], metadata: { a: "1" } };
    const first = await post("/api/v1/batches", body, ALICE, "batch-key-1");
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    // Equal as parsed JSON: other key order and spacing.
    const reordered =
      '{ "metadata": {"a":"1"},\n "items": [' +
      '{"question_count":3,"difficulty":"hard","role":"Data Engineer"},' +
      '{"categories":["SQL","Spark"],"role":"Data Engineer","question_count":3,"difficulty":"hard"}]}';
    for (const again of [body, reordered]) {
      const replay = await post("/api/v1/batches", again, ALICE, "batch-key-1");
      expect(replay.status).toBe(202);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.get("location")).toBe(`/api/v1/batches/${first.body.id}`);
      expect(replay.headers.get("content-type")).toMatch(/^application\/json/);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
    }
    expect(await sys.db.batch.count({ where: { id: first.body.id } })).toBe(1);
    expect(await sys.db.batch.count()).toBe(1);
    expect(await sys.db.job.count()).toBe(2);
  });

  test("same key, other body: 422, nothing created", async () => {
    const first = await post("/api/v1/questions/generate", item, ALICE, "gen-key-422");
    expect(first.status).toBe(202);
    const before = await sys.db.job.count();
    const other = await post(
      "/api/v1/questions/generate",
      { ...item, question_count: 4 },
      ALICE,
      "gen-key-422",
    );
    expect(other.status).toBe(422);
    expect(other.headers.get("content-type")).toMatch(/problem\+json/);
    expect(other.body.status).toBe(422);
    expect(await sys.db.job.count()).toBe(before);
  });

  test("keys are scoped per tenant and per route", async () => {
    const a = await post("/api/v1/questions/generate", item, ALICE, "shared-key");
    const b = await post("/api/v1/questions/generate", item, BOB, "shared-key");
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    // Bob cannot read Alice's answer through the key either.
    expect((await sys.call(`/api/v1/jobs/${a.body.id}`, { key: BOB })).status).toBe(404);

    // The same key on another route is another key.
    const batch = await post("/api/v1/batches", { items: [item] }, ALICE, "shared-key");
    expect(batch.status).toBe(202);
    expect(batch.headers.get("idempotent-replayed")).toBeNull();
  });

  test("409 while the first request is still being answered, then its answer", async () => {
    const before = await sys.db.job.count();
    // Held for 8 s: no worker will end the job.
    const first = post("/api/v1/questions/generate?wait=8", item, ALICE, "held-key");
    await eventually(async () => (await sys.db.job.count()) === before + 1, 8_000, 20);
    const during = await post("/api/v1/questions/generate?wait=8", item, ALICE, "held-key");
    expect(during.status).toBe(409);
    expect(during.headers.get("content-type")).toMatch(/problem\+json/);

    const answered = await first;
    expect(answered.status).toBe(202);
    const after = await post("/api/v1/questions/generate?wait=8", item, ALICE, "held-key");
    expect(after.status).toBe(202);
    expect(after.body.id).toBe(answered.body.id);
    expect(after.headers.get("idempotent-replayed")).toBe("true");
    expect(await sys.db.job.count()).toBe(before + 1);
  });

  test("a 4xx answer is stored and replayed too", async () => {
    const bad = { ...item, question_count: "3" };
    const first = await post("/api/v1/questions/generate", bad, ALICE, "bad-body-key");
    expect(first.status).toBe(400);
    const again = await post("/api/v1/questions/generate", bad, ALICE, "bad-body-key");
    expect(again.status).toBe(400);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("content-type")).toMatch(/problem\+json/);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  test("an invalid Idempotency-Key is a 400 and changes nothing", async () => {
    const before = await sys.db.job.count();
    for (const key of ["", "x".repeat(256), "caf\u00e9"]) {
      const res = await post("/api/v1/questions/generate", item, ALICE, key);
      expect(res.status, JSON.stringify(key)).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    }
    expect(await sys.db.job.count()).toBe(before);
    // 255 printable characters are fine.
    const ok = await post("/api/v1/questions/generate", item, ALICE, "k ~".repeat(85));
    expect(ok.status).toBe(202);
  });

  test("GET requests ignore the header", async () => {
    const res = await sys.call("/api/v1/batches", {
      key: ALICE,
      headers: { "idempotency-key": "x".repeat(300) },
    });
    expect(res.status).toBe(200);
  });
});

describe("a first attempt that fails with 503", () => {
  let sys: TestSystem;
  let pgProxy: FaultProxy;
  beforeAll(async () => {
    pgProxy = await startFaultProxy(5432);
    sys = await startSystem({}, { workers: false, databaseUrl: (url) => pgProxy.url(url) });
  });
  afterAll(async () => {
    await sys?.close();
    await pgProxy?.close();
  });

  test("does not pin the key: the retry runs for real once Postgres is back", async () => {
    pgProxy.down();
    const failed = await sys.call("/api/v1/batches", {
      method: "POST",
      body: { items: [item] },
      headers: { "idempotency-key": "retry-after-outage" },
    });
    expect(failed.status).toBe(503);
    pgProxy.up();
    const retried = await eventually(async () => {
      const r = await sys.call("/api/v1/batches", {
        method: "POST",
        body: { items: [item] },
        headers: { "idempotency-key": "retry-after-outage" },
      });
      return r.status === 202 ? r : undefined;
    });
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(await sys.db.batch.count()).toBe(1);
  });
});
