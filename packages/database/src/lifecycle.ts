import {
  ENDED_JOB_STATUSES,
  normalizeText,
  type GenerateRequest,
  type JobStatus,
} from "@qforge/schemas";
import { Prisma } from "./generated/prisma/client.ts";
import type { Database } from "./client.ts";
import { newId } from "./ids.ts";
import { recordBatchEvent, recordJobEvent } from "./webhooks.ts";

// Job state transitions. Each one is a conditional UPDATE of the job row (locked) and, in the
// same transaction, a move of the batch's counters: a job that runs twice, or a transition that
// loses a race, changes nothing, and batch counts stay exact.

type Tx = Prisma.TransactionClient;

export interface UsageDelta {
  providerCalls: number;
  promptTokens: number;
  completionTokens: number;
}

const NO_USAGE: UsageDelta = { providerCalls: 0, promptTokens: 0, completionTokens: 0 };

const ENDED_NOW = Prisma.sql`, completed_at = now()`;

const NOT_IN_CANCELLED_BATCH = Prisma.sql`AND NOT EXISTS (
  SELECT 1 FROM batches b WHERE b.id = j.batch_id AND b.status = 'cancelled')`;

const COUNTER: Record<JobStatus, string> = {
  queued: "queued_count",
  active: "active_count",
  completed: "completed_count",
  failed: "failed_count",
  cancelled: "cancelled_count",
};

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
  tx: Tx,
  jobId: string,
  from: readonly JobStatus[],
  to: JobStatus,
  set: Prisma.Sql,
  usage: UsageDelta,
  /** A further condition on the job row `j`. */
  where: Prisma.Sql = Prisma.empty,
): Promise<TransitionResult | null> {
  const rows = await tx.$queryRaw<
    {
      prev_status: JobStatus;
      tenant_id: string;
      batch_id: string | null;
      request: GenerateRequest;
      attempts: number;
      webhook_url: string | null;
    }[]
  >`
    WITH prev AS (SELECT id, status FROM jobs WHERE id = ${jobId}::uuid FOR UPDATE)
    UPDATE jobs j SET
      status = ${to}::"JobStatus",
      provider_calls = j.provider_calls + ${usage.providerCalls},
      prompt_tokens = j.prompt_tokens + ${usage.promptTokens},
      completion_tokens = j.completion_tokens + ${usage.completionTokens}
      ${set}
    FROM prev
    WHERE j.id = prev.id AND prev.status::text IN (${Prisma.join(from)}) ${where}
    RETURNING prev.status::text AS prev_status, j.tenant_id, j.batch_id::text, j.request, j.attempts,
      j.webhook_url`;
  const row = rows[0];
  if (!row) return null;

  let batchStatus: string | null = null;
  let batchEnded = false;
  const hasUsage = usage.providerCalls + usage.promptTokens + usage.completionTokens > 0;
  if (row.batch_id && (row.prev_status !== to || hasUsage)) {
    const moved = row.prev_status !== to;
    const fromCol = Prisma.raw(COUNTER[row.prev_status]);
    const toCol = Prisma.raw(COUNTER[to]);
    const ending = moved && ENDED_JOB_STATUSES.has(to) && !ENDED_JOB_STATUSES.has(row.prev_status);
    const b = await tx.$queryRaw<{ status: string; ended: number; total: number }[]>`
      UPDATE batches SET
        ${fromCol} = ${fromCol} - ${moved ? 1 : 0},
        ${toCol} = ${toCol} + ${moved ? 1 : 0},
        provider_calls = provider_calls + ${usage.providerCalls},
        prompt_tokens = prompt_tokens + ${usage.promptTokens},
        completion_tokens = completion_tokens + ${usage.completionTokens},
        status = CASE
          WHEN status IN ('queued', 'in_progress') AND ${ending}
               AND completed_count + failed_count + cancelled_count + 1 >= total
            THEN 'completed'::"BatchStatus"
          WHEN status = 'queued' THEN 'in_progress'::"BatchStatus"
          ELSE status END,
        completed_at = CASE
          WHEN status IN ('queued', 'in_progress', 'cancelled') AND ${ending}
               AND completed_count + failed_count + cancelled_count + 1 >= total
            THEN now()
          ELSE completed_at END
      WHERE id = ${row.batch_id}::uuid
      RETURNING status::text AS status,
        completed_count + failed_count + cancelled_count AS ended, total`;
    const batch = b[0];
    if (batch) {
      batchStatus = batch.status;
      batchEnded = ending && batch.ended === batch.total;
    }
  }
  return {
    prevStatus: row.prev_status,
    status: to,
    tenantId: row.tenant_id,
    batchId: row.batch_id,
    request: row.request,
    attempts: row.attempts,
    batchStatus,
    batchEnded,
    webhookUrl: row.webhook_url,
    webhookDeliveries: [],
  };
}

/** Records the webhook events of a transition that just happened, in its transaction. */
async function withEvents(
  tx: Tx,
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
  result.webhookDeliveries = ids;
  return result;
}

/** Whether the job belongs to a batch that has been cancelled. */
async function inCancelledBatch(db: Database, jobId: string): Promise<boolean> {
  const rows = await db.$queryRaw<{ status: string }[]>`
    SELECT b.status::text AS status FROM jobs j JOIN batches b ON b.id = j.batch_id
    WHERE j.id = ${jobId}::uuid`;
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
): Promise<TransitionResult | null> {
  const attempts =
    attempt === undefined
      ? Prisma.sql`j.attempts + 1`
      : Prisma.sql`GREATEST(j.attempts, ${attempt}::int)`;
  const started = await db.$transaction((tx) =>
    transition(
      tx,
      jobId,
      ["queued", "active"],
      "active",
      Prisma.sql`, started_at = COALESCE(j.started_at, now()), attempts = ${attempts}`,
      NO_USAGE,
      NOT_IN_CANCELLED_BATCH,
    ),
  );
  if (started) return started;
  // Rare: the job has ended, is gone, or its batch was cancelled. A cancel that commits after
  // the start lets the attempt make its first call, the "call in flight"; `jobMayContinue`
  // stops the next one.
  return (await inCancelledBatch(db, jobId)) ? markJobCancelled(db, jobId) : null;
}

/** active → queued: the job waits (for capacity, another provider, or its next attempt). */
export function markJobRetrying(
  db: Database,
  jobId: string,
  usage: UsageDelta,
): Promise<TransitionResult | null> {
  return db.$transaction((tx) => transition(tx, jobId, ["active"], "queued", Prisma.empty, usage));
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

/** → completed, with its questions, written once: a second run of the same job changes nothing. */
export function completeJob(
  db: Database,
  jobId: string,
  questions: readonly QuestionInput[],
  usage: UsageDelta = NO_USAGE,
): Promise<TransitionResult | null> {
  return db.$transaction(async (tx) => {
    const result = await transition(
      tx,
      jobId,
      ["queued", "active"],
      "completed",
      Prisma.sql`, completed_at = now(), error_code = NULL, error_message = NULL`,
      usage,
    );
    if (!result) return null;
    await tx.question.createMany({
      data: questions.map((q, position) => ({
        id: newId(),
        jobId,
        tenantId: result.tenantId,
        position,
        question: q.question,
        normalized: q.normalized,
        category: q.category,
        difficulty: q.difficulty,
        keyPoints: q.key_points,
        source: q.source,
        provider: q.provider,
        model: q.model,
        bankRole: q.bank_role,
        roleKey: normalizeText(result.request.role),
      })),
      skipDuplicates: true,
    });
    return withEvents(tx, jobId, result);
  });
}

/** → failed, after the job's last attempt or when it can never be served. */
export function failJob(
  db: Database,
  jobId: string,
  error: { code: string; message: string },
  usage: UsageDelta = NO_USAGE,
): Promise<TransitionResult | null> {
  return db.$transaction(async (tx) =>
    withEvents(
      tx,
      jobId,
      await transition(
        tx,
        jobId,
        ["queued", "active"],
        "failed",
        Prisma.sql`, completed_at = now(), error_code = ${error.code}, error_message = ${error.message.slice(0, 2000)}`,
        usage,
      ),
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
  return db.$transaction(async (tx) =>
    withEvents(tx, jobId, await transition(tx, jobId, from, "cancelled", ENDED_NOW, usage)),
  );
}

/**
 * Whether a running attempt may make another provider call: its job is still active and its
 * batch (if any) has not been cancelled.
 */
export async function jobMayContinue(db: Database, jobId: string): Promise<boolean> {
  const rows = await db.$queryRaw<{ job: string; batch: string | null }[]>`
    SELECT j.status::text AS job, b.status::text AS batch
    FROM jobs j LEFT JOIN batches b ON b.id = j.batch_id
    WHERE j.id = ${jobId}::uuid`;
  const row = rows[0];
  return row !== undefined && row.job === "active" && row.batch !== "cancelled";
}

/**
 * Counts one request on its key's row for the UTC day, as the call starts: a call still in flight
 * when its worker dies is counted all the same (its tokens are not known, and never will be).
 */
export async function recordProviderRequest(
  db: Database,
  call: { provider: string; keyId: string; at?: Date },
): Promise<void> {
  const day = (call.at ?? new Date()).toISOString().slice(0, 10);
  await db.$executeRaw`
    INSERT INTO ai_provider_usage (provider, key, day, requests, updated_at)
    VALUES (${call.provider}, ${call.keyId}, ${day}::date, 1, now())
    ON CONFLICT (provider, key, day) DO UPDATE SET
      requests = ai_provider_usage.requests + 1,
      updated_at = now()`;
}

/**
 * Adds one provider call's outcome to its key's row for the UTC day: its tokens, whether it
 * failed, and the request itself unless `recordProviderRequest` counted it already.
 */
export async function recordProviderUsage(
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
  const day = (call.at ?? new Date()).toISOString().slice(0, 10);
  const tokens = call.promptTokens + call.completionTokens;
  const requests = call.countRequest === false ? 0 : 1;
  await db.$executeRaw`
    INSERT INTO ai_provider_usage
      (provider, key, day, requests, prompt_tokens, completion_tokens, tokens, failures, updated_at)
    VALUES (${call.provider}, ${call.keyId}, ${day}::date, ${requests}, ${call.promptTokens},
      ${call.completionTokens}, ${tokens}, ${call.ok ? 0 : 1}, now())
    ON CONFLICT (provider, key, day) DO UPDATE SET
      requests = ai_provider_usage.requests + EXCLUDED.requests,
      prompt_tokens = ai_provider_usage.prompt_tokens + EXCLUDED.prompt_tokens,
      completion_tokens = ai_provider_usage.completion_tokens + EXCLUDED.completion_tokens,
      tokens = ai_provider_usage.tokens + EXCLUDED.tokens,
      failures = ai_provider_usage.failures + EXCLUDED.failures,
      updated_at = now()`;
}
