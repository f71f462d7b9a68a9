// Postgres databases and Redis key prefixes of the bench's own: one fresh database (a clone of a
// template migrated once per run) and one prefix per measure, removed at the end.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { migrate } from "@qforge/database";

export const ADMIN_DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

export const uniqueName = (stem: string) => `${stem}_${randomBytes(4).toString("hex")}`;

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_DATABASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One statement on the database at `url`, on a connection of its own. */
async function queryAt<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return queryAt<T>(ADMIN_DATABASE_URL, sql, params);
}

let template: Promise<string> | undefined;

/** A migrated template database, made once per run. */
function templateDatabase(): Promise<string> {
  template ??= (async () => {
    const name = uniqueName("qforge_bench_tpl");
    await adminQuery(`CREATE DATABASE ${name}`);
    try {
      await migrate(databaseUrl(name));
      // For experiments with the schema (an index less, a fillfactor): SQL run on the template
      // after the migrations, so every database of the run has it (BENCHMARKS.md, "Profiling").
      const extra = process.env.BENCH_TEMPLATE_SQL;
      if (extra) await queryAt(databaseUrl(name), extra);
    } catch (error) {
      // A template that failed is no one's to drop later (dropTemplate gets the rejection).
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      throw error;
    }
    return name;
  })();
  return template;
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of the caller's own. */
export async function freshDatabase(): Promise<BenchDatabase> {
  const tpl = await templateDatabase();
  const name = uniqueName("qforge_bench");
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${tpl}`);
  return {
    name,
    url: databaseUrl(name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => {}),
  };
}

export async function dropTemplate(): Promise<void> {
  if (!template) return;
  const name = await template.catch(() => undefined);
  template = undefined;
  if (name) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

export const uniquePrefix = (stem: string) => uniqueName(`qfb_${stem}`);

/** Deletes every Redis key under `prefix:` (SCAN, never KEYS). */
export async function deleteRedisPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** redis-server's version and pid (from INFO). */
export async function redisServerInfo(): Promise<{ version: string; pid: number }> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    const info = await redis.info("server");
    return {
      version: /^redis_version:(\S+)/m.exec(info)?.[1] ?? "unknown",
      pid: Number(/^process_id:(\d+)/m.exec(info)?.[1] ?? 0),
    };
  } finally {
    redis.disconnect();
  }
}
