import {
  ENDED_JOB_STATUSES,
  normalizeText,
  type GenerateRequest,
  type JobStatus,
} from "@qforge/schemas";
import { Prisma } from "./generated/prisma/client.ts";
import type { Database } from "./client.ts";
import { newId } from "./ids.ts";

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

const COUNTER: Record<JobStatus, string> = {
  queued: "queued_count",
  active: "active_count",
  completed: "completed_count",
  failed: "failed_count",
  cancelled: "cancelled_count",
};

export interface TransitionResult {
  prevStatus: JobStatus;
  tenantId: string;
  batchId: string | null;
  request: GenerateRequest;
  attempts: number;
  /** The batch's status after the move, when the job belongs to one. */
  batchStatus: string | null;
  /** True for the one transition that ended the batch's last job. */
  batchEnded: boolean;
}

async function transition(
  tx: Tx,
  jobId: string,
  from: readonly JobStatus[],
  to: JobStatus,
  set: Prisma.Sql,
  usage: UsageDelta,
): Promise<TransitionResult | null> {
  const rows = await tx.$queryRaw<
    {
      prev_status: JobStatus;
      tenant_id: string;
      batch_id: string | null;
      request: GenerateRequest;
      attempts: number;
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
    WHERE j.id = prev.id AND prev.status::text IN (${Prisma.join(from)})
    RETURNING prev.status::text AS prev_status, j.tenant_id, j.batch_id::text, j.request, j.attempts`;
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
          WHEN status IN ('queued', 'in_progress') AND ${ending}
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
    tenantId: row.tenant_id,
    batchId: row.batch_id,
    request: row.request,
    attempts: row.attempts,
    batchStatus,
    batchEnded,
  };
}

/**
 * queued → active at the start of an attempt (also active → active when a stalled attempt is
 * picked up again). Null when the job is gone or has already ended: nothing to run.
 */
export function markJobActive(
  db: Database,
  jobId: string,
  /** The attempt this start belongs to: a job moved between providers stays in its attempt. */
  attempt?: number,
): Promise<TransitionResult | null> {
  const attempts =
    attempt === undefined
      ? Prisma.sql`j.attempts + 1`
      : Prisma.sql`GREATEST(j.attempts, ${attempt}::int)`;
  return db.$transaction((tx) =>
    transition(
      tx,
      jobId,
      ["queued", "active"],
      "active",
      Prisma.sql`, started_at = COALESCE(j.started_at, now()), attempts = ${attempts}`,
      NO_USAGE,
    ),
  );
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
    return result;
  });
}

/** → failed, after the job's last attempt or when it can never be served. */
export function failJob(
  db: Database,
  jobId: string,
  error: { code: string; message: string },
  usage: UsageDelta = NO_USAGE,
): Promise<TransitionResult | null> {
  return db.$transaction((tx) =>
    transition(
      tx,
      jobId,
      ["queued", "active"],
      "failed",
      Prisma.sql`, completed_at = now(), error_code = ${error.code}, error_message = ${error.message.slice(0, 2000)}`,
      usage,
    ),
  );
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
