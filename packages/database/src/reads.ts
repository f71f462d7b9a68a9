import type { BatchStatus, BatchView, JobStatus, JobView } from "@qforge/schemas";
import type { Batch, Job, Question } from "./generated/prisma/client.ts";
import type { Database } from "./client.ts";
import { BATCH_COLUMNS, JOB_COLUMNS, QUESTION_COLUMNS, sqlOf } from "./sql.ts";
import { isId } from "./ids.ts";
import { batchView, jobView } from "./views.ts";

/** A cursor the caller sent that we did not make. */
export class InvalidCursorError extends Error {
  constructor() {
    super("cursor is not one this API returned");
    this.name = "InvalidCursorError";
  }
}

function encodeCursor(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function decodeCursor<T>(cursor: string, check: (v: unknown) => v is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (check(value)) return value;
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

const questionsInOrder = { questions: { orderBy: { position: "asc" as const } } };

export async function getJob(db: Database, tenantId: string, id: string): Promise<JobView | null> {
  if (!isId(id)) return null;
  const sql = sqlOf(db);
  const [job] = await sql.query<Job>(
    `SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1::uuid AND tenant_id = $2`,
    [id, tenantId],
  );
  if (!job) return null;
  const questions = await sql.query<Question>(
    `SELECT ${QUESTION_COLUMNS} FROM questions WHERE job_id = $1::uuid ORDER BY position`,
    [id],
  );
  return jobView({ ...job, questions });
}

export async function getBatch(
  db: Database,
  tenantId: string,
  id: string,
): Promise<BatchView | null> {
  if (!isId(id)) return null;
  // The hot read of every poller: one indexed row, whatever the batch's size.
  const [batch] = await sqlOf(db).query<Batch>(
    `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = $1::uuid AND tenant_id = $2`,
    [id, tenantId],
  );
  return batch ? batchView(batch) : null;
}

interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

type BatchCursor = { t: string; id: string };
// Cursors are opaque, but a client can forge one: its values must also fit the columns.
const MIN_TIME = Date.parse("1970-01-01T00:00:00Z");
const MAX_TIME = Date.parse("9999-12-31T23:59:59Z");
const isBatchCursor = (v: unknown): v is BatchCursor => {
  if (typeof v !== "object" || v === null) return false;
  const { t, id } = v as Partial<BatchCursor>;
  const time = typeof t === "string" ? Date.parse(t) : NaN;
  return time >= MIN_TIME && time <= MAX_TIME && typeof id === "string" && isId(id);
};

/** The tenant's batches, newest first (keyset paging on created_at, id). */
export async function listBatches(
  db: Database,
  tenantId: string,
  query: { status?: BatchStatus; limit: number; cursor?: string },
): Promise<Page<BatchView>> {
  const after = query.cursor ? decodeCursor(query.cursor, isBatchCursor) : undefined;
  const rows = await db.batch.findMany({
    where: {
      tenantId,
      ...(query.status ? { status: query.status } : {}),
      ...(after
        ? {
            OR: [
              { createdAt: { lt: new Date(after.t) } },
              { createdAt: new Date(after.t), id: { lt: after.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map(batchView),
    next_cursor:
      rows.length > query.limit && last
        ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id })
        : null,
  };
}

type JobCursor = { i: number };
const isJobCursor = (v: unknown): v is JobCursor => {
  const i = typeof v === "object" && v !== null ? (v as JobCursor).i : undefined;
  return Number.isInteger(i) && (i as number) >= 0 && (i as number) <= 2_147_483_647;
};

/** A batch's jobs in item order; null when the batch is not the tenant's. */
export async function listBatchJobs(
  db: Database,
  tenantId: string,
  batchId: string,
  query: { status?: JobStatus; limit: number; cursor?: string },
): Promise<Page<JobView> | null> {
  if (!isId(batchId)) return null;
  const batch = await db.batch.findFirst({
    where: { id: batchId, tenantId },
    select: { id: true },
  });
  if (!batch) return null;
  // After the lookup: another tenant's batch is a 404 whatever cursor comes with it.
  const after = query.cursor ? decodeCursor(query.cursor, isJobCursor) : undefined;
  const rows = await db.job.findMany({
    where: {
      batchId,
      ...(query.status ? { status: query.status } : {}),
      ...(after ? { index: { gt: after.i } } : {}),
    },
    orderBy: { index: "asc" },
    take: query.limit + 1,
    include: questionsInOrder,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map(jobView),
    next_cursor: rows.length > query.limit && last ? encodeCursor({ i: last.index }) : null,
  };
}
