import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export type Database = PrismaClient;

const pools = new WeakMap<Database, pg.Pool>();

/** One Prisma client (and pg pool) per process. */
export function createDatabase(
  databaseUrl: string,
  options: {
    poolSize?: number;
    /**
     * Commits return before their WAL reaches the disk (`synchronous_commit = off`): see the
     * worker's main.ts for why its writes may. A transaction that must not be lost in a Postgres
     * crash turns it back on for itself (`SET LOCAL synchronous_commit = on`).
     */
    asyncCommit?: boolean;
    /**
     * The planner takes an index wherever one serves (`enable_seqscan = off`), for a pool whose
     * statements all find rows by key. Prepared statements keep a generic plan per connection,
     * made when it was chosen: a worker that starts on a near-empty database would otherwise
     * keep sequential scans of `jobs` while it grows by thousands of rows, until autovacuum's
     * next ANALYZE (in the bench: 2,400 scans of 10,000 rows each in one 10,000-job run).
     */
    preferIndexes?: boolean;
  } = {},
): Database {
  const settings = [
    ...(options.asyncCommit ? ["-c synchronous_commit=off"] : []),
    ...(options.preferIndexes ? ["-c enable_seqscan=off"] : []),
  ];
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    ...(settings.length > 0 ? { options: settings.join(" ") } : {}),
    max: options.poolSize ?? 10,
    // Fail fast rather than queue forever when Postgres is unreachable: the API answers 503.
    connectionTimeoutMillis: 5000,
    // A statement that gets no answer (a stalled network) fails rather than hold its connection
    // and its row locks for ever.
    query_timeout: 30_000,
  });
  // An idle connection that breaks (Postgres restarts) must not crash the process: the next
  // query gets a new one, or the error.
  pool.on("error", () => {});
  // The pool is ours so that the hot paths can share it without Prisma (see sql.ts); Prisma
  // still ends it on $disconnect.
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  // A busy pool makes a transaction wait for a connection (up to the connection timeout) rather
  // than fail after Prisma's default 2 s; a transaction still may not run longer than 15 s.
  const db = new PrismaClient({
    adapter,
    transactionOptions: { maxWait: 10_000, timeout: 15_000 },
  });
  pools.set(db, pool);
  // Prisma ends the pool only if it ever used it: a client that ran raw SQL alone must too.
  const disconnect = db.$disconnect.bind(db);
  Object.defineProperty(db, "$disconnect", {
    value: async () => {
      await disconnect();
      if (!pool.ended) await pool.end();
    },
  });
  return db;
}

/** The pg pool under a client made by `createDatabase`. */
export function poolOf(db: Database): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("not a client made by createDatabase");
  return pool;
}
