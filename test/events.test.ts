import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startApi, type ApiServer } from "@qforge/api";
import { batchChannel } from "@qforge/queues";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { openSse } from "./helpers/sse.ts";
import { eventually, startSystem, type TestSystem } from "./helpers/system.ts";

// GET /api/v1/batches/{id}/events: progress then end, on an API process other than the one that
// took the batch and the workers that ran it (changes travel through Redis).

const ALICE = "events-key-alice-0001";
const BOB = "events-key-bob-0002";
let fake: FakeProvider;
let sys: TestSystem;
/** A second API process on the same Redis and Postgres, with no workers of its own. */
let other: ApiServer;

beforeAll(async () => {
  fake = await startFakeProvider({ defaultBehaviour: { kind: "questions", latencyMs: 300 } });
  sys = await startSystem({
    API_KEYS: `${ALICE},${BOB}`,
    GROQ_API_KEY: "gsk_fake_events_key_0000000000000",
    GROQ_BASE_URL: fake.url,
    WORKER_CONCURRENCY: "2",
  });
  other = await startApi(sys.config, sys.logger, { host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await other?.close();
  await sys?.close();
  await fake?.close();
});

const item = { role: "Site Reliability Engineer", difficulty: "medium", question_count: 2 };
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

test("progress on connect and as jobs end, then end with the final batch, on another API", async () => {
  const created = await sys.call("/api/v1/batches", {
    method: "POST",
    key: ALICE,
    body: { items: Array.from({ length: 8 }, () => item) },
  });
  expect(created.status).toBe(202);
  const id = created.body.id as string;

  const stream = await openSse(`${other.url}/api/v1/batches/${id}/events`, auth(ALICE));
  expect(stream.status).toBe(200);
  expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
  expect(stream.headers.get("cache-control")).toContain("no-cache");

  const end = await stream.next((e) => e.event === "end", 60_000);
  await stream.ended; // the server closes the stream after `end`

  const first = stream.events[0]!;
  expect(first.event).toBe("progress");
  expect(JSON.parse(first.data).id).toBe(id);

  const final = JSON.parse(end.data);
  expect(final.status).toBe("completed");
  expect(final.counts).toMatchObject({ total: 8, completed: 8, queued: 0, active: 0 });
  // The same JSON as GET /batches/{id}.
  expect(final).toEqual((await sys.call(`/api/v1/batches/${id}`, { key: ALICE })).body);
  // `end` is the last event; every event before it is progress with a valid batch, counts
  // never going backwards.
  expect(stream.events.at(-1)).toBe(end);
  // Progress arrived while jobs ended (the batch runs for over a second at 2 jobs x 300 ms at a
  // time; the safety re-read alone would come only every 5 s).
  expect(stream.events.length).toBeGreaterThan(2);
  let ended = -1;
  for (const e of stream.events.slice(0, -1)) {
    expect(e.event).toBe("progress");
    const b = JSON.parse(e.data);
    const done = b.counts.completed + b.counts.failed + b.counts.cancelled;
    expect(done).toBeGreaterThanOrEqual(ended);
    ended = done;
  }
});

test("a batch that has already ended: progress and end at once", async () => {
  const created = await sys.call("/api/v1/batches", {
    method: "POST",
    key: ALICE,
    body: { items: [item] },
  });
  await eventually(async () => {
    const r = await sys.call(`/api/v1/batches/${created.body.id}`, { key: ALICE });
    return r.body.status === "completed";
  });
  const stream = await openSse(
    `${other.url}/api/v1/batches/${created.body.id}/events`,
    auth(ALICE),
  );
  await stream.ended;
  expect(stream.events.map((e) => e.event)).toEqual(["progress", "end"]);
  expect(JSON.parse(stream.events[1]!.data).status).toBe("completed");
});

test("another tenant, an unknown or a malformed id: 404 problem, no stream", async () => {
  const created = await sys.call("/api/v1/batches", {
    method: "POST",
    key: ALICE,
    body: { items: [item] },
  });
  for (const [path, key] of [
    [`/api/v1/batches/${created.body.id}/events`, BOB],
    ["/api/v1/batches/01900000-0000-7000-8000-000000000000/events", ALICE],
    ["/api/v1/batches/not-an-id/events", ALICE],
  ] as const) {
    const res = await fetch(other.url + path, { headers: auth(key) });
    expect(res.status, path).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    await res.text();
  }
  const noKey = await fetch(`${other.url}/api/v1/batches/${created.body.id}/events`);
  expect(noKey.status).toBe(401);
  await noKey.text();
});

test("a client that disconnects is unsubscribed from the batch's channel", async () => {
  // Workers are busy elsewhere; this batch stays queued while the stream is open.
  const created = await sys.call("/api/v1/batches", {
    method: "POST",
    key: ALICE,
    body: { items: Array.from({ length: 40 }, () => item) },
  });
  const id = created.body.id as string;
  const channel = batchChannel(sys.config.queuePrefix, id);
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const subscribers = async () =>
      Number(((await redis.pubsub("NUMSUB", channel)) as [string, number])[1]);
    const stream = await openSse(`${other.url}/api/v1/batches/${id}/events`, auth(ALICE));
    await stream.next((e) => e.event === "progress");
    expect(await subscribers()).toBe(1);
    stream.abort();
    await eventually(async () => (await subscribers()) === 0, 10_000);
  } finally {
    redis.disconnect();
  }
});
