import { afterAll, beforeAll, expect, test } from "vitest";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { eventually, startSystem, type TestSystem } from "./helpers/system.ts";

// Each API key is a tenant: what one tenant creates, no other can see (404, as if it did not
// exist), list or page into.

const ALICE = "tenant-key-alice-0001";
const BOB = "tenant-key-bob-0002";
let fake: FakeProvider;
let sys: TestSystem;

beforeAll(async () => {
  fake = await startFakeProvider();
  sys = await startSystem({
    API_KEYS: `${ALICE},${BOB}`,
    GROQ_API_KEY: "gsk_fake_tenancy_key_000000000000",
    GROQ_BASE_URL: fake.url,
  });
});
afterAll(async () => {
  await sys?.close();
  await fake?.close();
});

const item = { role: "Backend Engineer", difficulty: "easy", question_count: 2 };

test("a tenant sees only its own batches and jobs", async () => {
  const job = await sys.call("/api/v1/questions/generate?wait=20", {
    method: "POST",
    key: ALICE,
    body: item,
  });
  expect(job.status).toBe(200);
  const batch = await sys.call("/api/v1/batches", {
    method: "POST",
    key: ALICE,
    body: { items: [item, item] },
  });
  expect(batch.status).toBe(202);
  await eventually(async () => {
    const r = await sys.call(`/api/v1/batches/${batch.body.id}`, { key: ALICE });
    return r.body.status === "completed";
  });

  // Alice reads everything of hers.
  expect((await sys.call(`/api/v1/jobs/${job.body.id}`, { key: ALICE })).status).toBe(200);
  expect((await sys.call(`/api/v1/batches/${batch.body.id}`, { key: ALICE })).status).toBe(200);
  const aliceJobs = await sys.call(`/api/v1/batches/${batch.body.id}/jobs`, { key: ALICE });
  expect(aliceJobs.body.data).toHaveLength(2);
  const batchJobId = aliceJobs.body.data[0].id;

  // Bob gets 404 for each, exactly as for an id that does not exist.
  for (const path of [
    `/api/v1/jobs/${job.body.id}`,
    `/api/v1/jobs/${batchJobId}`,
    `/api/v1/batches/${batch.body.id}`,
    `/api/v1/batches/${batch.body.id}/jobs`,
  ]) {
    const res = await sys.call(path, { key: BOB });
    expect(res.status, path).toBe(404);
    expect(res.body.detail).not.toContain(ALICE);
  }

  // Even with a cursor (valid or not) another tenant's batch is not there.
  const page = await sys.call(`/api/v1/batches/${batch.body.id}/jobs?limit=1`, { key: ALICE });
  for (const cursor of [page.body.next_cursor, "garbage"]) {
    const res = await sys.call(`/api/v1/batches/${batch.body.id}/jobs?cursor=${cursor}`, {
      key: BOB,
    });
    expect(res.status, `${cursor}: ${JSON.stringify(res.body)}`).toBe(404);
  }

  // Lists are per tenant.
  expect((await sys.call("/api/v1/batches", { key: BOB })).body).toEqual({
    data: [],
    next_cursor: null,
  });
  const aliceList = await sys.call("/api/v1/batches", { key: ALICE });
  expect(aliceList.body.data.map((b: { id: string }) => b.id)).toEqual([batch.body.id]);

  // Rows carry a tenant id derived from the key, never the key itself.
  const rows = await sys.db.job.findMany({ select: { tenantId: true } });
  expect(new Set(rows.map((r) => r.tenantId)).size).toBe(1);
  expect(rows[0]!.tenantId).not.toContain(ALICE);
});

test("batch listing pages newest first with a cursor, filtered by status", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await sys.call("/api/v1/batches", {
      method: "POST",
      key: BOB,
      body: { items: [item] },
    });
    ids.push(res.body.id);
  }
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await sys.call(
      `/api/v1/batches?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      { key: BOB },
    );
    expect(page.body.data.length).toBeLessThanOrEqual(2);
    seen.push(...page.body.data.map((b) => b.id));
    cursor = page.body.next_cursor;
  } while (cursor);
  expect(seen).toEqual([...ids].reverse());

  await eventually(async () => {
    const r = await sys.call("/api/v1/batches?status=completed&limit=100", { key: BOB });
    return r.body.data.length === 5;
  });
  const queued = await sys.call("/api/v1/batches?status=queued", { key: BOB });
  expect(queued.body.data).toEqual([]);
});
