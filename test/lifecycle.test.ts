import { afterAll, beforeAll, expect, test } from "vitest";
import {
  cancelBatch,
  chargeCancelledJob,
  completeJob,
  createBatch,
  createLoneJob,
  createDatabase,
  failJob,
  getBatch,
  markJobActive,
  markJobRetrying,
  newId,
  poolOf,
  recordProviderUsage,
  transitionGroupStats,
  type Database,
} from "@qforge/database";
import { normalizeText } from "@qforge/schemas";
import { createTestDatabase } from "./helpers/services.ts";

// The job state machine in Postgres: conditional transitions keep batch counters exact, and a
// job that runs twice (BullMQ delivers at least once) writes its questions and counts once.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.url, { poolSize: 8 });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const request = { role: "QA Engineer", difficulty: "easy" as const, question_count: 2 };
const question = (text: string) => ({
  question: text,
  normalized: normalizeText(text),
  category: "Testing",
  difficulty: "easy" as const,
  key_points: ["a"],
  source: "ai" as const,
  provider: "groq",
  model: "m",
  bank_role: null,
});

async function newBatch(n: number) {
  const id = newId();
  const jobs = Array.from({ length: n }, () => ({ id: newId(), request }));
  await createBatch(db, { id, tenantId: "t", jobs });
  return { id, jobIds: jobs.map((j) => j.id) };
}

test("a job that completes twice writes its questions and counts once", async () => {
  const { id, jobIds } = await newBatch(2);
  const jobId = jobIds[0]!;
  expect(await markJobActive(db, jobId)).toMatchObject({ prevStatus: "queued" });
  const usage = { providerCalls: 1, promptTokens: 10, completionTokens: 20 };
  const first = await completeJob(db, jobId, [question("Q one?"), question("Q two?")], usage);
  expect(first).toMatchObject({ prevStatus: "active", batchEnded: false });
  // The redelivered run: a new attempt finds the job ended and changes nothing.
  expect(await markJobActive(db, jobId)).toBeNull();
  expect(
    await completeJob(db, jobId, [question("Other?"), question("Another?")], usage),
  ).toBeNull();
  expect(await failJob(db, jobId, { code: "x", message: "y" })).toBeNull();

  const stored = await db.question.findMany({ where: { jobId }, orderBy: { position: "asc" } });
  expect(stored.map((q) => q.question)).toEqual(["Q one?", "Q two?"]);
  const batch = await getBatch(db, "t", id);
  expect(batch?.counts).toEqual({
    total: 2,
    queued: 1,
    active: 0,
    completed: 1,
    failed: 0,
    cancelled: 0,
  });
  expect(batch?.usage).toEqual({ provider_calls: 1, prompt_tokens: 10, completion_tokens: 20 });
  expect(batch?.status).toBe("in_progress");
});

test("counters stay exact under concurrent transitions; exactly one ends the batch", async () => {
  const { id, jobIds } = await newBatch(40);
  await Promise.all(jobIds.map((j) => markJobActive(db, j)));
  let batch = await getBatch(db, "t", id);
  expect(batch?.counts).toMatchObject({ queued: 0, active: 40 });

  // Half retry (back to queued), then everything ends, twice over, all at once.
  await Promise.all(
    jobIds
      .slice(0, 20)
      .map((j) =>
        markJobRetrying(db, j, { providerCalls: 1, promptTokens: 0, completionTokens: 0 }),
      ),
  );
  batch = await getBatch(db, "t", id);
  expect(batch?.counts).toMatchObject({ queued: 20, active: 20 });
  const results = await Promise.all(
    [...jobIds, ...jobIds].map((j, i) =>
      i % 3 === 0
        ? failJob(db, j, { code: "provider_errors", message: "boom" })
        : completeJob(db, j, [question(`Q ${j}?`)]),
    ),
  );
  const changed = results.filter((r) => r !== null);
  expect(changed).toHaveLength(40);
  expect(changed.filter((r) => r!.batchEnded)).toHaveLength(1);

  batch = await getBatch(db, "t", id);
  const c = batch!.counts;
  expect(c.queued + c.active).toBe(0);
  expect(c.completed + c.failed).toBe(40);
  expect(c.failed).toBe(await db.job.count({ where: { batchId: id, status: "failed" } }));
  expect(batch?.status).toBe("completed");
  expect(batch?.completed_at).not.toBeNull();
  expect(batch?.usage.provider_calls).toBe(20);
});

test("provider usage adds up per key and UTC day", async () => {
  const at = new Date("2026-11-24T23:59:59Z");
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      recordProviderUsage(db, {
        provider: "groq",
        keyId: "groq#1",
        ok: i % 5 !== 0,
        promptTokens: 3,
        completionTokens: 4,
        at,
      }),
    ),
  );
  await recordProviderUsage(db, {
    provider: "groq",
    keyId: "groq#1",
    ok: true,
    promptTokens: 1,
    completionTokens: 1,
    at: new Date("2026-11-25T00:00:01Z"),
  });
  const rows = await db.providerUsage.findMany({
    where: { keyId: "groq#1" },
    orderBy: { day: "asc" },
  });
  expect(
    rows.map((r) => [r.day.toISOString().slice(0, 10), r.requests, r.tokens, r.failures]),
  ).toEqual([
    ["2026-11-24", 10, 70, 2],
    ["2026-11-25", 1, 2, 0],
  ]);
});

test("a job that owes no webhook ends in one statement: questions and key usage written once", async () => {
  const { id, jobIds } = await newBatch(3);
  const [jobId, other] = jobIds as [string, string];
  const keyUsage = (keyId: string) => [
    { provider: "groq", keyId, requests: 0, promptTokens: 5, completionTokens: 7, failures: 0 },
    { provider: "groq", keyId, requests: 1, promptTokens: 0, completionTokens: 0, failures: 1 },
  ];
  // The first call's request is counted with the start, and only if the job starts.
  const first = { provider: "groq", keyId: "groq#single" };
  expect(await markJobActive(db, jobId, 1, first)).toMatchObject({ status: "active" });
  const usage = { providerCalls: 2, promptTokens: 5, completionTokens: 7 };
  const done = await completeJob(db, jobId, [question("One?"), question("Two?")], usage, {
    owesNoWebhook: { request },
    keyUsage: keyUsage("groq#single"),
  });
  expect(done).toMatchObject({ prevStatus: "active", status: "completed", batchEnded: false });
  // Run again: the job has ended, so neither the start nor the end changes it, but calls that
  // were made are still counted.
  expect(await markJobActive(db, jobId, 1, first)).toBeNull();
  expect(
    await completeJob(db, jobId, [question("Three?")], usage, {
      owesNoWebhook: { request },
      keyUsage: keyUsage("groq#single"),
    }),
  ).toBeNull();
  const stored = await db.question.findMany({ where: { jobId }, orderBy: { position: "asc" } });
  expect(stored.map((q) => [q.question, q.roleKey, q.tenantId])).toEqual([
    ["One?", normalizeText(request.role), "t"],
    ["Two?", normalizeText(request.role), "t"],
  ]);
  const row = await db.providerUsage.findFirstOrThrow({ where: { keyId: "groq#single" } });
  expect([row.requests, row.promptTokens, row.completionTokens, row.failures]).toEqual([
    3, 10, 14, 2,
  ]);
  // The other jobs end the batch, in one statement each: exactly one of them ends it.
  expect(await markJobActive(db, other)).toMatchObject({ status: "active" });
  const ends = await Promise.all(
    jobIds
      .slice(1)
      .map((j) =>
        completeJob(db, j, [question(`Q ${j}?`)], undefined, { owesNoWebhook: { request } }),
      ),
  );
  expect(ends.map((r) => r?.batchEnded)).toContain(true);
  expect(ends.filter((r) => r?.batchEnded)).toHaveLength(1);
  const batch = await getBatch(db, "t", id);
  expect(batch).toMatchObject({
    status: "completed",
    counts: { total: 3, queued: 0, active: 0, completed: 3 },
    usage: { provider_calls: 2, prompt_tokens: 5, completion_tokens: 7 },
  });
});

test("a start written with the end: queued → completed, started_at and attempts set", async () => {
  const { id, jobIds } = await newBatch(2);
  const [quick, late] = jobIds as [string, string];
  const usage = { providerCalls: 1, promptTokens: 2, completionTokens: 3 };
  const at = new Date(Date.now() - 40);
  const done = await completeJob(db, quick, [question("Quick one?")], usage, {
    owesNoWebhook: { request },
    started: { at, attempt: 2 },
  });
  expect(done).toMatchObject({ prevStatus: "queued", status: "completed" });
  const row = await db.job.findUniqueOrThrow({ where: { id: quick } });
  expect(row).toMatchObject({ status: "completed", attempts: 2, providerCalls: 1 });
  expect(row.startedAt?.getTime()).toBe(at.getTime());
  expect(row.startedAt!.getTime()).toBeLessThanOrEqual(row.completedAt!.getTime());
  // A worker clock ahead of Postgres's cannot put the start after the end.
  await completeJob(db, late, [question("Late one?")], usage, {
    owesNoWebhook: { request },
    started: { at: new Date(Date.now() + 3_600_000), attempt: 1 },
  });
  const lateRow = await db.job.findUniqueOrThrow({ where: { id: late } });
  expect(lateRow.startedAt!.getTime()).toBeLessThanOrEqual(lateRow.completedAt!.getTime());
  expect((await getBatch(db, "t", id))?.counts).toMatchObject({
    queued: 0,
    active: 0,
    completed: 2,
  });
  // Only a job that owes no webhook ends that way (the others' events need the transaction).
  await expect(
    completeJob(db, newId(), [], usage, { started: { at, attempt: 1 } }),
  ).rejects.toThrow(/owing no webhook/);
});

test("a job cancelled while its first call ran is charged for it; nothing else changes", async () => {
  const { id, jobIds } = await newBatch(2);
  const [cancelled, completed] = jobIds as [string, string];
  await markJobActive(db, completed);
  await completeJob(db, completed, [question("Kept?")], {
    providerCalls: 1,
    promptTokens: 1,
    completionTokens: 1,
  });
  expect((await cancelBatch(db, "t", id)).outcome).toBe("cancelled");
  const before = await db.job.findUniqueOrThrow({ where: { id: cancelled } });
  const usage = { providerCalls: 1, promptTokens: 5, completionTokens: 7 };
  // The answer is discarded: the end finds the job cancelled and writes nothing.
  expect(
    await completeJob(db, cancelled, [question("Discarded?")], usage, {
      owesNoWebhook: { request },
      started: { at: new Date(), attempt: 1 },
    }),
  ).toBeNull();
  expect(await chargeCancelledJob(db, cancelled, usage)).toMatchObject({
    prevStatus: "cancelled",
    status: "cancelled",
  });
  const after = await db.job.findUniqueOrThrow({ where: { id: cancelled } });
  expect(after).toMatchObject({
    status: "cancelled",
    providerCalls: 1,
    promptTokens: 5,
    completionTokens: 7,
    completedAt: before.completedAt,
    startedAt: null,
  });
  expect(await db.question.count({ where: { jobId: cancelled } })).toBe(0);
  const batch = await getBatch(db, "t", id);
  expect(batch).toMatchObject({
    status: "cancelled",
    counts: { total: 2, queued: 0, active: 0, completed: 1, cancelled: 1 },
    usage: { provider_calls: 2, prompt_tokens: 6, completion_tokens: 8 },
  });
  // A job that is not cancelled is not charged this way.
  expect(await chargeCancelledJob(db, completed, usage)).toBeNull();
  expect(await db.job.findUniqueOrThrow({ where: { id: completed } })).toMatchObject({
    providerCalls: 1,
  });
});

test("concurrent starts and ends share statements, and each job gets its own answer", async () => {
  const batches = await Promise.all([newBatch(30), newBatch(20), newBatch(10)]);
  const lone = Array.from({ length: 5 }, () => newId());
  await Promise.all(lone.map((id) => createLoneJob(db, { id, tenantId: "t", request })));
  const doomed = await newBatch(4);
  expect((await cancelBatch(db, "t", doomed.id)).outcome).toBe("cancelled");
  const gone = newId();
  const live = [...batches.flatMap((b) => b.jobIds), ...lone];
  const keyOf = (i: number) => `groq#grouped${i % 2}`;
  const before = transitionGroupStats(db);

  const started = await Promise.all(
    [...live, gone, doomed.jobIds[0]!].map((j, i) =>
      markJobActive(db, j, 1, { provider: "groq", keyId: keyOf(i) }),
    ),
  );
  expect(started.slice(0, live.length).every((r) => r?.status === "active")).toBe(true);
  expect(started.slice(0, live.length).map((r) => r?.prevStatus)).toEqual(live.map(() => "queued"));
  // A job that does not exist does not start; one of a cancelled batch was cancelled already.
  expect(started[live.length]).toBeNull();
  expect(started[live.length + 1]).toBeNull();
  for (const b of batches) {
    expect((await getBatch(db, "t", b.id))?.counts).toMatchObject({
      queued: 0,
      active: b.jobIds.length,
    });
  }

  // Every job ends twice at once: exactly one of its two ends moves it.
  const usage = { providerCalls: 1, promptTokens: 3, completionTokens: 4 };
  const ends = await Promise.all(
    [...live, ...live].map((j, i) =>
      completeJob(db, j, [question(`Q1 ${j} ${i}?`), question(`Q2 ${j} ${i}?`)], usage, {
        owesNoWebhook: { request },
        keyUsage: [
          {
            provider: "groq",
            keyId: keyOf(i),
            requests: 0,
            promptTokens: 3,
            completionTokens: 4,
            failures: 0,
          },
        ],
      }),
    ),
  );
  const after = transitionGroupStats(db);
  const starts = after.starts.calls - before.starts.calls;
  const completions = after.completions.calls - before.completions.calls;
  expect(starts).toBe(live.length + 2);
  expect(completions).toBe(2 * live.length);
  expect(after.starts.statements - before.starts.statements).toBeLessThan(starts);
  expect(after.completions.statements - before.completions.statements).toBeLessThan(completions);

  const moved = ends.filter((r) => r !== null);
  expect(moved).toHaveLength(live.length);
  for (const j of live) {
    const mine = [ends[live.indexOf(j)], ends[live.length + live.indexOf(j)]];
    expect(mine.filter((r) => r !== null)).toHaveLength(1);
    const stored = await db.question.findMany({
      where: { jobId: j },
      orderBy: { position: "asc" },
    });
    expect(stored).toHaveLength(2);
    // Both questions come from the same one of the job's two ends.
    expect(stored[1]!.question.replace("Q2", "Q1")).toBe(stored[0]!.question);
  }
  expect(
    moved
      .filter((r) => r!.batchEnded)
      .map((r) => r!.batchId)
      .sort(),
  ).toEqual(batches.map((b) => b.id).sort());
  for (const b of batches) {
    const n = b.jobIds.length;
    expect(await getBatch(db, "t", b.id)).toMatchObject({
      status: "completed",
      counts: { total: n, queued: 0, active: 0, completed: n },
      usage: { provider_calls: n, prompt_tokens: 3 * n, completion_tokens: 4 * n },
    });
  }
  // A request per job that started (the start counts it), tokens for every call made.
  const rows = await db.providerUsage.findMany({
    where: { keyId: { startsWith: "groq#grouped" } },
    orderBy: { keyId: "asc" },
  });
  const startedOn = (k: number) => live.filter((_, i) => i % 2 === k).length;
  expect(rows.map((r) => [r.keyId, r.requests, r.promptTokens])).toEqual([
    ["groq#grouped0", startedOn(0), 3 * live.length],
    ["groq#grouped1", startedOn(1), 3 * live.length],
  ]);
});

test("starts and ends made in the same turn of the event loop go as one statement each", async () => {
  const { jobIds } = await newBatch(12);
  const before = transitionGroupStats(db);
  // Issued together, as a worker's jobs whose I/O completed in one turn are: none goes alone.
  const started = await Promise.all(jobIds.map((j) => markJobActive(db, j)));
  expect(started.every((r) => r?.status === "active")).toBe(true);
  const ended = await Promise.all(
    jobIds.map((j) =>
      completeJob(db, j, [question(`Turn ${j}?`)], undefined, { owesNoWebhook: { request } }),
    ),
  );
  expect(ended.filter((r) => r?.batchEnded)).toHaveLength(1);
  const after = transitionGroupStats(db);
  expect(after.starts.statements - before.starts.statements).toBe(1);
  expect(after.completions.statements - before.completions.statements).toBe(1);
});

test("one job's bad data fails only that job, not the others of its statement", async () => {
  const { id, jobIds } = await newBatch(12);
  await Promise.all(jobIds.map((j) => markJobActive(db, j)));
  const bad = jobIds[5]!;
  const ends = await Promise.allSettled(
    jobIds.map((j) =>
      completeJob(
        db,
        j,
        [
          j === bad
            ? { ...question("Bad?"), difficulty: "impossible" as "easy" }
            : question(`Q ${j}?`),
        ],
        undefined,
        { owesNoWebhook: { request } },
      ),
    ),
  );
  expect(ends[5]!.status).toBe("rejected");
  expect(
    ends.filter((e) => e.status === "fulfilled" && e.value?.status === "completed"),
  ).toHaveLength(11);
  expect((await getBatch(db, "t", id))?.counts).toMatchObject({ active: 1, completed: 11 });
  expect(await db.question.count({ where: { jobId: bad } })).toBe(0);
});

test("a job's questions repeated by normalized text are refused before anything is written", async () => {
  const { id, jobIds } = await newBatch(2);
  await Promise.all(jobIds.map((j) => markJobActive(db, j)));
  const twice = [question("Same question?"), question("  same QUESTION? ")];
  // Both ways a job ends: alone in a transaction, and grouped with others (owes no webhook).
  await expect(completeJob(db, jobIds[0]!, twice)).rejects.toThrow(/1 repeated question/);
  await expect(
    completeJob(db, jobIds[1]!, twice, undefined, { owesNoWebhook: { request } }),
  ).rejects.toThrow(/1 repeated question/);
  expect(await db.question.count({ where: { jobId: { in: jobIds } } })).toBe(0);
  expect((await getBatch(db, "t", id))?.counts).toMatchObject({ active: 2, completed: 0 });
});

test("a worker's pool commits asynchronously and prefers indexes; a default pool does neither", async () => {
  const worker = createDatabase(database.url, {
    poolSize: 1,
    asyncCommit: true,
    preferIndexes: true,
  });
  try {
    const settings = async (d: Database) =>
      (
        await poolOf(d).query<{ c: string; s: string }>(
          "SELECT current_setting('synchronous_commit') AS c, current_setting('enable_seqscan') AS s",
        )
      ).rows[0];
    expect(await settings(worker)).toEqual({ c: "off", s: "off" });
    expect(await settings(db)).toEqual({ c: "on", s: "on" });
  } finally {
    await worker.$disconnect();
  }
});

test("two workers' groups over the same batches and keys all commit, none run again", async () => {
  // Two pools, like two worker processes: each runs half of the jobs of every batch, and each
  // group of either touches several batches and several keys' usage rows.
  const other = createDatabase(database.url, { poolSize: 8, asyncCommit: true });
  try {
    const batches = await Promise.all(Array.from({ length: 8 }, () => newBatch(24)));
    const halves = [0, 1].map((h) =>
      batches.flatMap((b) => b.jobIds.filter((_, i) => i % 2 === h)),
    );
    // Each worker takes the batches in another order.
    halves[1]!.reverse();
    const clients = [db, other] as const;
    const run = (w: 0 | 1) =>
      Promise.all(
        halves[w]!.map(async (j, i) => {
          const key = { provider: "groq", keyId: `groq#lock${(i + w) % 3}` };
          await markJobActive(clients[w], j, 1, key);
          return completeJob(clients[w], j, [question(`L ${j}?`)], undefined, {
            owesNoWebhook: { request },
            keyUsage: [{ ...key, requests: 0, promptTokens: 1, completionTokens: 1, failures: 0 }],
          });
        }),
      );
    const retried = (d: Database) => {
      const { starts, completions } = transitionGroupStats(d);
      return starts.retried + completions.retried;
    };
    const before = retried(db);
    const ends = (await Promise.all([run(0), run(1)])).flat();
    expect(ends.every((e) => e?.status === "completed")).toBe(true);
    // No group of either failed (a deadlock would have had Postgres abort one).
    expect([retried(db) - before, retried(other)]).toEqual([0, 0]);
    for (const b of batches) {
      expect((await getBatch(db, "t", b.id))?.counts).toMatchObject({ completed: 24, active: 0 });
    }
    const usage = await db.providerUsage.findMany({
      where: { keyId: { startsWith: "groq#lock" } },
    });
    expect(usage.reduce((n, r) => n + r.requests, 0)).toBe(8 * 24);
  } finally {
    await other.$disconnect();
  }
});
