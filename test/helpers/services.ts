import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

// Where the test suite finds its services. Each test file works in its own database and under
// its own Redis key prefix, so files run in parallel and the suite runs again and again.

export const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_DATABASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export const uniqueName = (stem: string) => `${stem}_${randomBytes(4).toString("hex")}`;

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database of this file's own: a copy of the template. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName("qforge_t");
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDb")}`);
  return {
    url: databaseUrl(name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
