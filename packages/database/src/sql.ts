import { createHash } from "node:crypto";
import type pg from "pg";
import type { Prisma } from "./generated/prisma/client.ts";
import { poolOf, type Database } from "./client.ts";

// The hot paths (a worker's job transitions and usage counters, batch submission, status reads)
// run their SQL on the pg pool directly. Prisma's query layer costs about 0.3 ms of CPU a
// statement on these machines, as much as everything else a job's bookkeeping does; the rest of
// the code keeps Prisma. Parameters are always bound ($1, $2, …), never interpolated.

/** Runs parameterised SQL and returns the rows. */
export interface Sql {
  query<R>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

/**
 * Our statements are prepared once per connection and then only executed: parsing and planning
 * the transition statement cost Postgres more than running it. Their texts are fixed (values are
 * always parameters), so a name per text stays a small set.
 */
const names = new Map<string, string>();
function prepared(text: string, values: readonly unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `qf_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    names.set(text, name);
  }
  return { name, text, values: values as unknown[] };
}

const onPool = (pool: pg.Pool): Sql => ({
  query: async <R>(text: string, values: readonly unknown[] = []) =>
    (await pool.query(prepared(text, values))).rows as R[],
});

/** Statements on the client's pool, each on its own (autocommit). */
export function sqlOf(db: Database): Sql {
  return onPool(poolOf(db));
}

/** `fn`'s statements in one transaction on one connection: all commit, or none. */
export async function sqlTransaction<T>(db: Database, fn: (tx: Sql) => Promise<T>): Promise<T> {
  const client = await poolOf(db).connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await fn({
      query: async <R>(text: string, values: readonly unknown[] = []) =>
        (await client.query(prepared(text, values))).rows as R[],
    });
    await client.query("COMMIT");
    return result;
  } catch (error) {
    // A connection that cannot even roll back is not given to the next caller.
    await client.query("ROLLBACK").catch((e: unknown) => {
      broken = e instanceof Error ? e : new Error(String(e));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** A Prisma transaction as `Sql`, for statements shared with Prisma-based code. */
export function prismaSql(tx: Prisma.TransactionClient): Sql {
  return {
    query: <R>(text: string, values: readonly unknown[] = []) =>
      tx.$queryRawUnsafe<R[]>(text, ...values),
  };
}

// Column lists that read rows in the shape of Prisma's models (views.ts takes those).

export const BATCH_COLUMNS = `id::text, tenant_id AS "tenantId", status::text AS status, total,
  queued_count AS "queuedCount", active_count AS "activeCount",
  completed_count AS "completedCount", failed_count AS "failedCount",
  cancelled_count AS "cancelledCount", webhook_url AS "webhookUrl", metadata,
  provider_calls AS "providerCalls", prompt_tokens AS "promptTokens",
  completion_tokens AS "completionTokens", created_at AS "createdAt",
  completed_at AS "completedAt"`;

export const JOB_COLUMNS = `id::text, tenant_id AS "tenantId", batch_id::text AS "batchId",
  item_index AS "index", status::text AS status, request, webhook_url AS "webhookUrl",
  error_code AS "errorCode", error_message AS "errorMessage", attempts,
  provider_calls AS "providerCalls", prompt_tokens AS "promptTokens",
  completion_tokens AS "completionTokens", created_at AS "createdAt", started_at AS "startedAt",
  completed_at AS "completedAt"`;

export const QUESTION_COLUMNS = `id::text, job_id::text AS "jobId", tenant_id AS "tenantId",
  position, question, normalized, category, difficulty::text AS difficulty,
  key_points AS "keyPoints", source::text AS source, provider, model, bank_role AS "bankRole",
  role_key AS "roleKey", created_at AS "createdAt"`;
