import { normalizeText, type GenerateRequest, type JobStatus } from "@qforge/schemas";
import type { Database } from "./client.ts";
import { Grouper, groupersFor, type GroupStats } from "./group.ts";
import { newId } from "./ids.ts";
import { sqlOf, sqlTransaction, type Sql } from "./sql.ts";
import { recordBatchEvent, recordJobEvent } from "./webhooks.ts";

// Job state transitions. Each one is a conditional UPDATE of the job row (locked) and, in the
// same statement, a move of the batch's counters: a job that runs twice, or a transition that
// loses a race, changes nothing, and batch counts stay exact. A transition that ends a job also
// writes its questions and webhook events, in the same transaction.

export interface UsageDelta {
  providerCalls: number;
  promptTokens: number;
  completionTokens: number;
}

const NO_USAGE: UsageDelta = { providerCalls: 0, promptTokens: 0, completionTokens: 0 };

const COUNTER: Record<JobStatus, string> = {
  queued: "queued_count",
  active: "active_count",
  completed: "completed_count",
  failed: "failed_count",
  cancelled: "cancelled_count",
};

/** A batch counter moves by one out of the job's old status and into its new one. */
const counterMoves = (Object.keys(COUNTER) as JobStatus[])
  .map(
    (s) =>
      `${COUNTER[s]} = ${COUNTER[s]} + (d.moved AND $2::text = '${s}')::int` +
      ` - (d.moved AND d.prev_status = '${s}')::int`,
  )
  .join(",\n      ");

const ENDED = `('completed', 'failed', 'cancelled')`;

/**
 * The job row moves and the batch's counters follow, in one statement (one round trip): the job
 * row is locked first, then the batch row, always in that order. Parameters: $1 job id, $2 new
 * status, $3..$5 usage, $6 the statuses it may move from, then the caller's own from $7.
 */
const transitionSql = (set: string, where: string, also: string) => `
  WITH prev AS (SELECT id, status FROM jobs WHERE id = $1::uuid FOR UPDATE),
  j AS (
    UPDATE jobs j SET
      status = $2::text::"JobStatus",
      provider_calls = j.provider_calls + $3,
      prompt_tokens = j.prompt_tokens + $4,
      completion_tokens = j.completion_tokens + $5
      ${set}
    FROM prev
    WHERE j.id = prev.id AND prev.status::text = ANY($6::text[]) ${where}
    RETURNING prev.status::text AS prev_status, j.tenant_id, j.batch_id, j.request, j.attempts,
      j.webhook_url),
  d AS (
    SELECT batch_id, prev_status, prev_status <> $2::text AS moved,
      prev_status <> $2::text AND $2::text IN ${ENDED} AND prev_status NOT IN ${ENDED} AS ending
    FROM j WHERE batch_id IS NOT NULL),
  b AS (
    UPDATE batches SET
      ${counterMoves},
      provider_calls = provider_calls + $3,
      prompt_tokens = prompt_tokens + $4,
      completion_tokens = completion_tokens + $5,
      status = CASE
        WHEN status IN ('queued', 'in_progress') AND d.ending
             AND completed_count + failed_count + cancelled_count + 1 >= total
          THEN 'completed'::"BatchStatus"
        WHEN status = 'queued' THEN 'in_progress'::"BatchStatus"
        ELSE status END,
      completed_at = CASE
        WHEN status IN ('queued', 'in_progress', 'cancelled') AND d.ending
             AND completed_count + failed_count + cancelled_count + 1 >= total
          THEN now()
        ELSE completed_at END
    FROM d
    WHERE batches.id = d.batch_id AND (d.moved OR $3 + $4 + $5 > 0)
    RETURNING batches.status::text AS batch_status,
      d.ending AND completed_count + failed_count + cancelled_count = total AS batch_ended)
  ${also}
  SELECT j.prev_status, j.tenant_id, j.batch_id::text AS batch_id, j.request, j.attempts,
    j.webhook_url, b.batch_status, COALESCE(b.batch_ended, false) AS batch_ended
  FROM j LEFT JOIN b ON true`;

export interface TransitionResult {
  prevStatus: JobStatus;
  /** The job's status after the move. */
  status: JobStatus;
  tenantId: string;
  batchId: string | null;
  request: GenerateRequest;
  attempts: number;
  /** The batch's status after the move, when the job belongs to one. */
  batchStatus: string | null;
  /** True for the one transition that ended the batch's last job. */
  batchEnded: boolean;
  /** The job's own webhook_url (lone jobs). */
  webhookUrl: string | null;
  /**
   * Webhook deliveries this transition created (outbox rows, committed with it): the caller
   * queues them on the `webhooks` queue (`enqueueWebhookDeliveries`).
   */
  webhookDeliveries: string[];
}

async function transition(
  tx: Sql,
  /** One of the STATEMENTS' transitions (built by `transitionSql`). */
  text: string,
  jobId: string,
  from: readonly JobStatus[],
  to: JobStatus,
  usage: UsageDelta,
  /** The statement's own parameters, from $7. */
  values: readonly unknown[] = [],
): Promise<TransitionResult | null> {
  const rows = await tx.query<TransitionRow>(text, [
    jobId,
    to,
    usage.providerCalls,
    usage.promptTokens,
    usage.completionTokens,
    from,
    ...values,
  ]);
  const row = rows[0];
  return row ? toResult(row, to, row.batch_ended) : null;
}

/** A row a transition statement returns. */
interface TransitionRow {
  prev_status: JobStatus;
  tenant_id: string;
  batch_id: string | null;
  request: GenerateRequest;
  attempts: number;
  webhook_url: string | null;
  batch_status: string | null;
  batch_ended: boolean;
}

function toResult(row: TransitionRow, to: JobStatus, batchEnded: boolean): TransitionResult {
  return {
    prevStatus: row.prev_status,
    status: to,
    tenantId: row.tenant_id,
    batchId: row.batch_id,
    request: row.request,
    attempts: row.attempts,
    batchStatus: row.batch_status,
    batchEnded,
    webhookUrl: row.webhook_url,
    webhookDeliveries: [],
  };
}

/** Records the webhook events of a transition that just happened, in its transaction. */
async function withEvents(
  tx: Sql,
  jobId: string,
  result: TransitionResult | null,
): Promise<TransitionResult | null> {
  if (!result || result.prevStatus === result.status) return result;
  // Only lone jobs with a webhook_url, and batch ends, cost a query here.
  const ids =
    result.batchId === null && result.webhookUrl
      ? await recordJobEvent(tx, jobId, result.status)
      : [];
  if (result.batchEnded && result.batchId)
    ids.push(...(await recordBatchEvent(tx, result.batchId)));
  // An event may be delivered as soon as it commits: it must then survive a Postgres crash, or
  // the transition would run again and send it a second time under another webhook-id.
  if (ids.length > 0) await tx.query("SET LOCAL synchronous_commit = on");
  result.webhookDeliveries = ids;
  return result;
}

/** Whether the job belongs to a batch that has been cancelled. */
async function inCancelledBatch(db: Database, jobId: string): Promise<boolean> {
  const rows = await sqlOf(db).query<{ status: string }>(
    `SELECT b.status::text AS status FROM jobs j JOIN batches b ON b.id = j.batch_id
    WHERE j.id = $1::uuid`,
    [jobId],
  );
  return rows[0]?.status === "cancelled";
}

/**
 * queued → active at the start of an attempt (also active → active when a stalled attempt is
 * picked up again). Null when the job is gone or has already ended: nothing to run. A job of a
 * cancelled batch is cancelled instead (result `status: "cancelled"`): it must make no call.
 */
export async function markJobActive(
  db: Database,
  jobId: string,
  /** The attempt this start belongs to: a job moved between providers stays in its attempt. */
  attempt?: number,
  /**
   * The key whose call the attempt makes first: its request is counted with the start (in the
   * same statement, before the call), and only if the job did start.
   */
  firstCall?: { provider: string; keyId: string },
): Promise<TransitionResult | null> {
  // Concurrent starts share a statement (see group.ts); a statement commits on its own (no
  // event starts with a job).
  const started = await starts(db).call({
    jobId,
    attempt: attempt ?? null,
    firstCall: firstCall ?? null,
    day: utcDay(new Date()),
  });
  if (started) return started;
  // Rare: the job has ended, is gone, or its batch was cancelled. A cancel that commits after
  // the start lets the attempt make its first call, the "call in flight"; `jobMayContinue`
  // stops the next one.
  return (await inCancelledBatch(db, jobId)) ? markJobCancelled(db, jobId) : null;
}

interface StartItem {
  jobId: string;
  attempt: number | null;
  firstCall: { provider: string; keyId: string } | null;
  day: string;
}

type GroupRow = TransitionRow & { id: string };

/** The rows of a grouped transition, in the order of `jobIds` (null: that job did not move). */
function byJob(rows: GroupRow[], jobIds: readonly string[], to: JobStatus) {
  const found = new Map(rows.map((r) => [r.id, r]));
  // A batch ended by a group is ended by one of its transitions: the first of that batch.
  const ended = new Set<string>();
  return jobIds.map((id): TransitionResult | null => {
    const row = found.get(id);
    if (!row) return null;
    const batchEnded = row.batch_ended && row.batch_id !== null && !ended.has(row.batch_id);
    if (batchEnded) ended.add(row.batch_id!);
    return toResult(row, to, batchEnded);
  });
}

const starts = groupersFor(
  (db: Database) =>
    new Grouper<StartItem, TransitionResult | null>(
      async (items) =>
        byJob(
          await sqlOf(db).query<GroupRow>(STATEMENTS.startGroup, [
            items.map((i) => i.jobId),
            items.map((i) => i.attempt),
            items.map((i) => i.firstCall?.provider ?? null),
            items.map((i) => i.firstCall?.keyId ?? null),
            items.map((i) => i.day),
          ]),
          items.map((i) => i.jobId),
          "active",
        ),
      (i) => i.jobId,
    ),
);

/** How many statements the grouped transitions of `db` ran, and for how many calls. */
export function transitionGroupStats(db: Database): {
  starts: GroupStats;
  completions: GroupStats;
} {
  return { starts: { ...starts(db).stats }, completions: { ...completions(db).stats } };
}

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** active → queued: the job waits (for capacity, another provider, or its next attempt). */
export function markJobRetrying(
  db: Database,
  jobId: string,
  usage: UsageDelta,
): Promise<TransitionResult | null> {
  return transition(sqlOf(db), STATEMENTS.retry, jobId, ["active"], "queued", usage);
}

export interface QuestionInput {
  question: string;
  normalized: string;
  category: string;
  difficulty: "easy" | "medium" | "hard";
  key_points: string[];
  source: "cache" | "bank" | "ai";
  provider: string | null;
  model: string | null;
  bank_role: string | null;
}

const COMPLETED_SET = ", completed_at = now(), error_code = NULL, error_message = NULL";

/** Inserts the questions in the JSON array `json` for job $1. */
const insertQuestions = (json: string, roleKey: string, tenant: string) => `
  INSERT INTO questions (id, job_id, tenant_id, position, question, normalized, category,
    difficulty, key_points, source, provider, model, bank_role, role_key)
  SELECT q.id, $1::uuid, ${tenant}, q.position, q.question, q.normalized, q.category,
    q.difficulty, q.key_points, q.source, q.provider, q.model, q.bank_role, ${roleKey}
  FROM json_to_recordset(${json}::json) AS q(id uuid, position int, question text,
    normalized text, category text, difficulty "Difficulty", key_points text[],
    source "QuestionSource", provider text, model text, bank_role text)
  ON CONFLICT (job_id, position) DO NOTHING`;

/** The questions as JSON rows; `jobId` only where one statement writes several jobs'. */
const questionRows = (
  questions: readonly { q: QuestionInput; position: number; jobId?: string }[],
) =>
  JSON.stringify(
    questions.map(({ q, position, jobId }) => ({
      id: newId(),
      job_id: jobId,
      position,
      question: q.question,
      normalized: q.normalized,
      category: q.category,
      difficulty: q.difficulty,
      key_points: q.key_points,
      source: q.source,
      provider: q.provider,
      model: q.model,
      bank_role: q.bank_role,
    })),
  );

/**
 * → completed, with its questions, written once: a second run of the same job changes nothing.
 * A job known to owe no webhook (neither it nor its batch has a webhook_url: `owesNoWebhook`
 * carries its request) ends in one statement; the others in a transaction that also writes the
 * events they cause. `keyUsage` (the outcome of its calls) is recorded with it, whether or not
 * the job was still there to complete: the calls were made.
 */
export async function completeJob(
  db: Database,
  jobId: string,
  questions: readonly QuestionInput[],
  usage: UsageDelta = NO_USAGE,
  opts: {
    owesNoWebhook?: { request: GenerateRequest };
    keyUsage?: readonly KeyUsage[];
    /**
     * The job's start, written with its end instead of before it (only for a job that owes no
     * webhook): when its attempt began and which attempt it is, as `markJobActive` would have
     * set them. The job may then still be `queued`.
     */
    started?: { at: Date; attempt: number };
  } = {},
): Promise<TransitionResult | null> {
  assertDistinct(jobId, questions);
  const keyUsage = opts.keyUsage ?? [];
  if (opts.owesNoWebhook) {
    // Concurrent ends of such jobs share a statement (see group.ts).
    return completions(db).call({
      jobId,
      questions,
      usage,
      roleKey: normalizeText(opts.owesNoWebhook.request.role),
      keyUsage,
      startedAt: opts.started?.at.toISOString() ?? null,
      attempt: opts.started?.attempt ?? null,
    });
  }
  if (opts.started)
    throw new Error("a start is written with the end only for a job owing no webhook");
  return sqlTransaction(db, async (tx) => {
    // Usage rows before the job and batch rows (see "Lock order").
    if (keyUsage.length > 0) await tx.query(STATEMENTS.usage, [usageRows(keyUsage)]);
    const result = await transition(
      tx,
      STATEMENTS.complete,
      jobId,
      ["queued", "active"],
      "completed",
      usage,
    );
    if (!result) return null;
    await tx.query(STATEMENTS.questions, [
      jobId,
      result.tenantId,
      normalizeText(result.request.role),
      questionRows(questions.map((q, position) => ({ q, position }))),
    ]);
    return withEvents(tx, jobId, result);
  });
}

/**
 * A job's questions are distinct by their normalized text: generation and reuse guarantee it, and
 * no index checks it again (see the questions model). A repeat here is a bug upstream, refused
 * before anything is written rather than stored twice.
 */
function assertDistinct(jobId: string, questions: readonly QuestionInput[]): void {
  const texts = new Set(questions.map((q) => q.normalized));
  if (texts.size !== questions.length) {
    throw new Error(`job ${jobId}: ${questions.length - texts.size} repeated question(s)`);
  }
}

interface CompleteItem {
  jobId: string;
  questions: readonly QuestionInput[];
  usage: UsageDelta;
  roleKey: string;
  keyUsage: readonly KeyUsage[];
  /** The start written with the end (see completeJob's `started`), or nulls. */
  startedAt: string | null;
  attempt: number | null;
}

const completions = groupersFor(
  (db: Database) =>
    new Grouper<CompleteItem, TransitionResult | null>(
      async (items) =>
        byJob(
          await sqlOf(db).query<GroupRow>(STATEMENTS.completeGroup, [
            items.map((i) => i.jobId),
            items.map((i) => i.usage.providerCalls),
            items.map((i) => i.usage.promptTokens),
            items.map((i) => i.usage.completionTokens),
            items.map((i) => i.roleKey),
            questionRows(
              items.flatMap((i) =>
                i.questions.map((q, position) => ({ q, position, jobId: i.jobId })),
              ),
            ),
            usageRows(items.flatMap((i) => i.keyUsage)),
            items.map((i) => i.startedAt),
            items.map((i) => i.attempt),
          ]),
          items.map((i) => i.jobId),
          "completed",
        ),
      (i) => i.jobId,
    ),
);

/** → failed, after the job's last attempt or when it can never be served. */
export function failJob(
  db: Database,
  jobId: string,
  error: { code: string; message: string },
  usage: UsageDelta = NO_USAGE,
): Promise<TransitionResult | null> {
  return sqlTransaction(db, async (tx) =>
    withEvents(
      tx,
      jobId,
      await transition(tx, STATEMENTS.fail, jobId, ["queued", "active"], "failed", usage, [
        error.code,
        error.message.slice(0, 2000),
      ]),
    ),
  );
}

/**
 * queued/active → cancelled: an attempt that stopped because its batch was cancelled (it keeps
 * no questions; its calls count in usage), or `POST /jobs/{id}/cancel` with `from: ["queued"]`.
 */
export function markJobCancelled(
  db: Database,
  jobId: string,
  usage: UsageDelta = NO_USAGE,
  from: readonly JobStatus[] = ["queued", "active"],
): Promise<TransitionResult | null> {
  return sqlTransaction(db, async (tx) =>
    withEvents(tx, jobId, await transition(tx, STATEMENTS.cancel, jobId, from, "cancelled", usage)),
  );
}

/**
 * Charges a cancelled job (and its batch) for calls it made after it was cancelled: a job whose
 * first call went ahead of its start (see the worker's processor) and that was cancelled
 * meanwhile, with its batch or on its own. Nothing else changes; a job in any other state is
 * left alone.
 */
export function chargeCancelledJob(
  db: Database,
  jobId: string,
  usage: UsageDelta,
): Promise<TransitionResult | null> {
  return transition(sqlOf(db), STATEMENTS.retry, jobId, ["cancelled"], "cancelled", usage);
}

/**
 * Whether a running attempt may make another provider call: its job is still active and its
 * batch (if any) has not been cancelled.
 */
export async function jobMayContinue(db: Database, jobId: string): Promise<boolean> {
  const rows = await sqlOf(db).query<{ job: string; batch: string | null }>(
    `SELECT j.status::text AS job, b.status::text AS batch
    FROM jobs j LEFT JOIN batches b ON b.id = j.batch_id
    WHERE j.id = $1::uuid`,
    [jobId],
  );
  const row = rows[0];
  return row !== undefined && row.job === "active" && row.batch !== "cancelled";
}

/** Calls on one provider key, to add to its row of ai_provider_usage for the UTC day. */
export interface KeyUsage {
  provider: string;
  keyId: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  failures: number;
  /** When the calls were made (their UTC day); now by default. */
  at?: Date;
}

/**
 * Adds `entries` in one statement: `$param` is their JSON. Entries of the same key and day are
 * summed first (one statement may change a row only once).
 */
const usageUpsert = (param: string) => `
  INSERT INTO ai_provider_usage
    (provider, key, day, requests, prompt_tokens, completion_tokens, tokens, failures, updated_at)
  SELECT u.provider, u.key, u.day::date, u.requests, u.prompt_tokens, u.completion_tokens,
    u.prompt_tokens + u.completion_tokens, u.failures, now()
  FROM json_to_recordset(${param}::json) AS u(provider text, key text, day text,
    requests int, prompt_tokens int, completion_tokens int, failures int)
  ON CONFLICT (provider, key, day) DO UPDATE SET
    requests = ai_provider_usage.requests + EXCLUDED.requests,
    prompt_tokens = ai_provider_usage.prompt_tokens + EXCLUDED.prompt_tokens,
    completion_tokens = ai_provider_usage.completion_tokens + EXCLUDED.completion_tokens,
    tokens = ai_provider_usage.tokens + EXCLUDED.tokens,
    failures = ai_provider_usage.failures + EXCLUDED.failures,
    updated_at = now()`;

function usageRows(entries: readonly KeyUsage[]): string {
  const rows = new Map<string, Record<string, string | number>>();
  for (const e of entries) {
    const day = utcDay(e.at ?? new Date());
    const id = JSON.stringify([e.provider, e.keyId, day]);
    const row = rows.get(id) ?? {
      provider: e.provider,
      key: e.keyId,
      day,
      requests: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      failures: 0,
    };
    (row.requests as number) += e.requests;
    (row.prompt_tokens as number) += e.promptTokens;
    (row.completion_tokens as number) += e.completionTokens;
    (row.failures as number) += e.failures;
    rows.set(id, row);
  }
  // In one order, so that statements upserting the same keys lock their rows alike.
  return JSON.stringify([...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r));
}

/** Adds provider calls to ai_provider_usage, one statement for all of them. */
export async function recordKeyUsage(db: Database, entries: readonly KeyUsage[]): Promise<void> {
  if (entries.length === 0) return;
  await sqlOf(db).query(STATEMENTS.usage, [usageRows(entries)]);
}

/**
 * Counts one request on its key's row for the UTC day, as the call starts: a call still in flight
 * when its worker dies is counted all the same (its tokens are not known, and never will be).
 */
export function recordProviderRequest(
  db: Database,
  call: { provider: string; keyId: string; at?: Date },
): Promise<void> {
  return recordKeyUsage(db, [
    { ...call, requests: 1, promptTokens: 0, completionTokens: 0, failures: 0 },
  ]);
}

/**
 * Adds one provider call's outcome to its key's row for the UTC day: its tokens, whether it
 * failed, and the request itself unless `recordProviderRequest` counted it already.
 */
export function recordProviderUsage(
  db: Database,
  call: {
    provider: string;
    keyId: string;
    ok: boolean;
    promptTokens: number;
    completionTokens: number;
    /** False when the request was counted as it started. */
    countRequest?: boolean;
    at?: Date;
  },
): Promise<void> {
  return recordKeyUsage(db, [
    {
      provider: call.provider,
      keyId: call.keyId,
      requests: call.countRequest === false ? 0 : 1,
      promptTokens: call.promptTokens,
      completionTokens: call.completionTokens,
      failures: call.ok ? 0 : 1,
      ...(call.at ? { at: call.at } : {}),
    },
  ]);
}

/**
 * Lock order. A grouped transition takes its rows' locks in one order: its jobs' rows (in id
 * order), the key usage rows (in key order), then its batches' rows (in id order), last and
 * just before it updates them, since every job of a batch contends for its row. Two workers'
 * groups (their jobs are never the same) that share keys and batches then cannot deadlock,
 * and neither can a single-job transition (job row, then batch row) or the end of a job that
 * owes a webhook (usage rows, then job and batch). `locked(after)` locks the batches of the
 * moved jobs once the CTEs named in `after` have run (InitPlans run before the first row).
 */
const PREV_JOBS = `
  prev AS (SELECT id, status FROM jobs WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE)`;
const lockedBatches = (after: string[]) => `
  locked AS (
    SELECT id FROM batches
    WHERE id IN (SELECT batch_id FROM j)
      AND ${after.map((cte) => `(SELECT count(*) FROM ${cte})`).join(" + ")} >= 0
    ORDER BY id FOR UPDATE)`;
const AFTER_LOCKED = "(SELECT count(*) FROM locked) >= 0";

/**
 * The start of several jobs (`markJobActive`) in one statement. Parameters, one array element
 * per job: $1 ids, $2 the attempt (null: one more), $3/$4 the first call's provider and key
 * (null: none), $5 its UTC day. A job that is gone, has ended or is in a cancelled batch does
 * not move and counts no request. A batch's counters move once, by the sum of its jobs' moves.
 */
const startGroupSql = () => `
  WITH i AS (
    SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[])
      AS i(id, attempt, provider, key, day)),
  ${PREV_JOBS},
  j AS (
    UPDATE jobs j SET
      status = 'active',
      started_at = COALESCE(j.started_at, now()),
      attempts = CASE WHEN i.attempt IS NULL THEN j.attempts + 1
        ELSE GREATEST(j.attempts, i.attempt) END
    FROM prev JOIN i ON i.id = prev.id
    WHERE j.id = prev.id AND prev.status IN ('queued', 'active')
      AND NOT EXISTS (
        SELECT 1 FROM batches b WHERE b.id = j.batch_id AND b.status = 'cancelled')
    RETURNING j.id, prev.status::text AS prev_status, j.tenant_id, j.batch_id, j.request,
      j.attempts, j.webhook_url, i.provider, i.key, i.day),
  u AS (
    INSERT INTO ai_provider_usage
      (provider, key, day, requests, prompt_tokens, completion_tokens, tokens, failures,
       updated_at)
    SELECT provider, key, day::date, count(*), 0, 0, 0, 0, now() FROM j
    WHERE provider IS NOT NULL GROUP BY provider, key, day ORDER BY provider, key, day
    ON CONFLICT (provider, key, day) DO UPDATE SET
      requests = ai_provider_usage.requests + EXCLUDED.requests, updated_at = now()
    RETURNING 1),
  ${lockedBatches(["u"])},
  d AS (
    SELECT batch_id, count(*)::int AS n FROM j
    WHERE batch_id IS NOT NULL AND prev_status = 'queued' GROUP BY batch_id),
  b AS (
    UPDATE batches SET
      queued_count = queued_count - d.n,
      active_count = active_count + d.n,
      status = CASE WHEN status = 'queued' THEN 'in_progress'::"BatchStatus" ELSE status END
    FROM d WHERE batches.id = d.batch_id AND ${AFTER_LOCKED}
    RETURNING batches.id, batches.status::text AS batch_status)
  SELECT j.id::text, j.prev_status, j.tenant_id, j.batch_id::text AS batch_id, j.request,
    j.attempts, j.webhook_url, b.batch_status, false AS batch_ended
  FROM j LEFT JOIN b ON b.id = j.batch_id`;

/**
 * The end (→ completed) of several jobs that owe no webhook, with their questions and their
 * calls' usage, in one statement. Parameters, one array element per job: $1 ids, $2..$4 usage
 * (calls, prompt and completion tokens), $5 role key; then $6 the questions as JSON rows (with
 * `job_id`), $7 the calls' usage rows, recorded whether or not their jobs were still there (the
 * calls were made); $8/$9, one element per job again, the start written with the end: when the
 * attempt began and its number (nulls: the job's start was written before). A job that is gone
 * or has ended does not move and writes no question.
 */
const completeGroupSql = () => `
  WITH i AS (
    SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[], $5::text[],
      $8::timestamptz[], $9::int[])
      AS i(id, calls, prompt, completion, role_key, started_at, attempt)),
  ${PREV_JOBS},
  j AS (
    UPDATE jobs j SET
      status = 'completed',
      provider_calls = j.provider_calls + i.calls,
      prompt_tokens = j.prompt_tokens + i.prompt,
      completion_tokens = j.completion_tokens + i.completion,
      -- Never after its end, whatever the worker's clock says.
      started_at = CASE WHEN i.started_at IS NULL THEN j.started_at
        ELSE COALESCE(j.started_at, LEAST(i.started_at, now())) END,
      attempts = CASE WHEN i.attempt IS NULL THEN j.attempts
        ELSE GREATEST(j.attempts, i.attempt) END
      ${COMPLETED_SET}
    FROM prev JOIN i ON i.id = prev.id
    WHERE j.id = prev.id AND prev.status IN ('queued', 'active')
    RETURNING j.id, prev.status::text AS prev_status, j.tenant_id, j.batch_id, j.request,
      j.attempts, j.webhook_url, i.calls, i.prompt, i.completion, i.role_key),
  q AS (
    INSERT INTO questions (id, job_id, tenant_id, position, question, normalized, category,
      difficulty, key_points, source, provider, model, bank_role, role_key)
    SELECT q.id, q.job_id, j.tenant_id, q.position, q.question, q.normalized, q.category,
      q.difficulty, q.key_points, q.source, q.provider, q.model, q.bank_role, j.role_key
    FROM j JOIN json_to_recordset($6::json) AS q(job_id uuid, id uuid, position int,
      question text, normalized text, category text, difficulty "Difficulty", key_points text[],
      source "QuestionSource", provider text, model text, bank_role text) ON q.job_id = j.id
    ON CONFLICT (job_id, position) DO NOTHING
    RETURNING 1),
  u AS (${usageUpsert("$7")} RETURNING 1),
  ${lockedBatches(["q", "u"])},
  d AS (
    SELECT batch_id, count(*)::int AS n,
      count(*) FILTER (WHERE prev_status = 'queued')::int AS from_queued,
      count(*) FILTER (WHERE prev_status = 'active')::int AS from_active,
      sum(calls)::int AS calls, sum(prompt)::int AS prompt, sum(completion)::int AS completion
    FROM j WHERE batch_id IS NOT NULL GROUP BY batch_id),
  b AS (
    UPDATE batches SET
      queued_count = queued_count - d.from_queued,
      active_count = active_count - d.from_active,
      completed_count = completed_count + d.n,
      provider_calls = provider_calls + d.calls,
      prompt_tokens = prompt_tokens + d.prompt,
      completion_tokens = completion_tokens + d.completion,
      status = CASE
        WHEN status IN ('queued', 'in_progress')
             AND completed_count + failed_count + cancelled_count + d.n >= total
          THEN 'completed'::"BatchStatus"
        WHEN status = 'queued' THEN 'in_progress'::"BatchStatus"
        ELSE status END,
      completed_at = CASE
        WHEN status IN ('queued', 'in_progress', 'cancelled')
             AND completed_count + failed_count + cancelled_count + d.n >= total
          THEN now()
        ELSE completed_at END
    FROM d WHERE batches.id = d.batch_id AND ${AFTER_LOCKED}
    RETURNING batches.id, batches.status::text AS batch_status,
      completed_count + failed_count + cancelled_count = total AS batch_ended)
  SELECT j.id::text, j.prev_status, j.tenant_id, j.batch_id::text AS batch_id, j.request,
    j.attempts, j.webhook_url, b.batch_status, COALESCE(b.batch_ended, false) AS batch_ended
  FROM j LEFT JOIN b ON b.id = j.batch_id`;

/**
 * Every statement text of this file, built once: they are prepared by name per connection (see
 * sql.ts), and a job's start and end should not rebuild and rehash them. `transitionSql(set,
 * where, also)`: further SET clauses, conditions on the job row `j`, and CTEs that may read `j`,
 * with their parameters from $7.
 */
const STATEMENTS = {
  startGroup: startGroupSql(),
  /** Also `chargeCancelledJob`: no column of its own. */
  retry: transitionSql("", "", ""),
  complete: transitionSql(COMPLETED_SET, "", ""),
  completeGroup: completeGroupSql(),
  /** $7: the error code, $8: its message. */
  fail: transitionSql(", completed_at = now(), error_code = $7, error_message = $8", "", ""),
  cancel: transitionSql(", completed_at = now()", "", ""),
  /** $1 job, $2 tenant, $3 role key, $4 the questions. */
  questions: insertQuestions("$4", "$3", "$2"),
  /** $1: usage rows. */
  usage: usageUpsert("$1"),
};
