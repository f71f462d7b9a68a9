import type { BatchStatus, BatchView, JobStatus, JobView } from "@qforge/schemas";
import type { Database } from "./client.ts";
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
  const job = await db.job.findFirst({ where: { id, tenantId }, include: questionsInOrder });
  return job ? jobView(job) : null;
}

export async function getBatch(
  db: Database,
  tenantId: string,
  id: string,
): Promise<BatchView | null> {
  if (!isId(id)) return null;
  const batch = await db.batch.findFirst({ where: { id, tenantId } });
  return batch ? batchView(batch) : null;
}

interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

type BatchCursor = { t: string; id: string };
const isBatchCursor = (v: unknown): v is BatchCursor =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as BatchCursor).t === "string" &&
  !Number.isNaN(Date.parse((v as BatchCursor).t)) &&
  typeof (v as BatchCursor).id === "string" &&
  isId((v as BatchCursor).id);

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
const isJobCursor = (v: unknown): v is JobCursor =>
  typeof v === "object" && v !== null && Number.isInteger((v as JobCursor).i);

/** A batch's jobs in item order; null when the batch is not the tenant's. */
export async function listBatchJobs(
  db: Database,
  tenantId: string,
  batchId: string,
  query: { status?: JobStatus; limit: number; cursor?: string },
): Promise<Page<JobView> | null> {
  const after = query.cursor ? decodeCursor(query.cursor, isJobCursor) : undefined;
  if (!isId(batchId)) return null;
  const batch = await db.batch.findFirst({
    where: { id: batchId, tenantId },
    select: { id: true },
  });
  if (!batch) return null;
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
