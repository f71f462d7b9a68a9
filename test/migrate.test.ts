// The offline migration runner against a real Postgres (TEST_DATABASE_URL's server, default
// 127.0.0.1:5432), checked against Prisma's own schema engine (Wasm): the history it writes is the
// one `prisma migrate deploy` reads, and prisma/schema.prisma matches what the migrations build.
// Every database here is a fresh `qforge_mig_<random>`, dropped at the end.
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_MIGRATIONS_DIR,
  MigrationError,
  checksumOf,
  migrate,
  readMigrations,
} from "../packages/database/src/migrate.ts";
import {
  NO_FILTERS,
  SCHEMA_PATH,
  diffDatabaseToSchema,
  loadMigrationList,
  withDatabaseName,
  withSchemaEngine,
} from "../scripts/migration-engine.ts";

const SERVER_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const PRISMA_LOCK_KEY = 72707369;
const created: string[] = [];
const tempDirs: string[] = [];

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabaseName(SERVER_URL, "postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function freshDatabase(): Promise<string> {
  const name = `qforge_mig_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  created.push(name);
  return withDatabaseName(SERVER_URL, name);
}

async function query<R extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A copy of prisma/migrations to break on purpose. */
async function migrationsCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "qforge-migrations-"));
  tempDirs.push(dir);
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

afterAll(async () => {
  await admin(async (c) => {
    for (const name of created) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe("migrate() on a fresh database", () => {
  let url: string;
  let files: Awaited<ReturnType<typeof readMigrations>>;

  beforeAll(async () => {
    url = await freshDatabase();
    files = await readMigrations(DEFAULT_MIGRATIONS_DIR);
  });

  it("applies every migration and creates every table", async () => {
    expect(files.length).toBeGreaterThan(0);
    const started = performance.now();
    const { applied } = await migrate(url);
    const ms = performance.now() - started;
    console.info(
      `migrate() on a fresh database: ${ms.toFixed(0)} ms (${applied.length} migrations)`,
    );

    expect(applied).toEqual(files.map((f) => f.name));
    const tables = await query<{ table_name: string }>(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      "_prisma_migrations",
      "ai_provider_usage",
      "bank_questions",
      "batches",
      "jobs",
      "questions",
      "settings",
      "webhook_deliveries",
    ]);
  });

  it("applies nothing the second time", async () => {
    expect(await migrate(url)).toEqual({ applied: [] });
  });

  it("records each migration in _prisma_migrations as Prisma does", async () => {
    const rows = await query<{
      id: string;
      checksum: string;
      migration_name: string;
      logs: string | null;
      rolled_back_at: Date | null;
      started_at: Date;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(url, "SELECT * FROM _prisma_migrations ORDER BY started_at");
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, row] of rows.entries()) {
      const file = files[i]!;
      expect(row.checksum).toBe(checksumOf(file.script));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row).toMatchObject({ applied_steps_count: 1, rolled_back_at: null, logs: null });
    }
    // Same columns and types as the native engine's CREATE TABLE.
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      url,
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => `${c.column_name} ${c.data_type} ${c.is_nullable}`)).toEqual([
      "id character varying NO",
      "checksum character varying NO",
      "finished_at timestamp with time zone YES",
      "migration_name character varying NO",
      "logs text YES",
      "rolled_back_at timestamp with time zone YES",
      "started_at timestamp with time zone NO",
      "applied_steps_count integer NO",
    ]);
  });

  it("leaves a history that Prisma's own engine accepts (what `prisma migrate deploy` reads)", async () => {
    const migrationsList = await loadMigrationList(DEFAULT_MIGRATIONS_DIR);
    const { diagnosis, deploy } = await withSchemaEngine(url, async (engine) => ({
      diagnosis: await engine.diagnoseMigrationHistory({
        migrationsList,
        optInToShadowDatabase: false,
        filters: NO_FILTERS,
      }),
      // Prisma's deploy itself: with the history in order it must find nothing to apply.
      deploy: await engine.applyMigrations({ migrationsList, filters: NO_FILTERS }),
    }));
    expect(diagnosis).toEqual({
      editedMigrationNames: [],
      failedMigrationNames: [],
      hasMigrationsTable: true,
      history: null,
    });
    expect(deploy.appliedMigrationNames).toEqual([]);
  });

  it("matches prisma/schema.prisma: no drift between the schema and the migrations", async () => {
    const diff = await diffDatabaseToSchema(url, { script: true });
    expect(
      diff.exitCode,
      `prisma/schema.prisma differs from what prisma/migrations build; add a migration with ` +
        `pnpm db:migration:create <name>. Missing SQL:\n${diff.stdout}`,
    ).toBe(0);
  });

  it("would catch a schema edit made without a migration", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "qforge-schema-"));
    tempDirs.push(dir);
    const schemaPath = path.join(dir, "schema.prisma");
    const schema = await readFile(SCHEMA_PATH, "utf8");
    const edited = schema.replace(
      /model ProviderUsage \{/,
      "model ProviderUsage {\n  note String?",
    );
    expect(edited).not.toBe(schema);
    await writeFile(schemaPath, edited);

    const diff = await diffDatabaseToSchema(url, { script: true, schemaPath });
    expect(diff.exitCode).toBe(2);
    expect(diff.stdout).toContain('ALTER TABLE "ai_provider_usage" ADD COLUMN     "note" TEXT;');
  });
});

describe("migrate() safety", () => {
  it("lets one of several concurrent runs apply, the others wait and apply nothing", async () => {
    const url = await freshDatabase();
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(url)));
    const applied = results.flatMap((r) => r.applied);
    const files = await readMigrations(DEFAULT_MIGRATIONS_DIR);
    expect(applied.sort()).toEqual(files.map((f) => f.name).sort());
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    const rows = await query(url, "SELECT 1 FROM _prisma_migrations");
    expect(rows).toHaveLength(files.length);
  });

  it("waits for Prisma's own advisory lock, and gives up with a clear error", async () => {
    const url = await freshDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1)", [PRISMA_LOCK_KEY]);
      await expect(migrate(url, { lockTimeoutMs: 300 })).rejects.toThrow(
        /holds the migration lock/,
      );
      const waiting = migrate(url, { lockTimeoutMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await holder.query("SELECT pg_advisory_unlock($1)", [PRISMA_LOCK_KEY]);
      expect((await waiting).applied.length).toBeGreaterThan(0);
    } finally {
      await holder.end();
    }
  });

  it("refuses when an applied migration was edited (but not for CRLF line endings)", async () => {
    const url = await freshDatabase();
    await migrate(url);
    const dir = await migrationsCopy();
    const [first] = await readMigrations(dir);
    const file = path.join(dir, first!.name, "migration.sql");

    await writeFile(file, first!.script.replace(/\n/g, "\r\n"));
    expect(await migrate(url, { migrationsDir: dir })).toEqual({ applied: [] });

    await writeFile(file, `${first!.script}\n-- edited\n`);
    const error = await migrate(url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(new RegExp(`${first!.name} was modified`));
  });

  it("runs a migration file as one unit: a failure leaves nothing of it, is recorded, and blocks later runs", async () => {
    const url = await freshDatabase();
    const dir = await migrationsCopy();
    // A plpgsql body full of `;` must reach Postgres whole (Prisma's adapter path splits on `;`).
    await cpMigration(
      dir,
      "99990101000000_touch_function",
      `CREATE FUNCTION qforge_touch() RETURNS trigger AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;`,
    );
    await cpMigration(
      dir,
      "99990102000000_broken",
      "CREATE TABLE half_done (id INT);\nSELECT 1/0;\n",
    );

    const error = await migrate(url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/99990102000000_broken failed .*division by zero/);
    expect((error as Error).message).not.toContain("\n");

    const exists = await query(url, "SELECT to_regclass('half_done') IS NOT NULL AS e");
    expect(exists).toEqual([{ e: false }]);
    const fn = await query(url, "SELECT 1 FROM pg_proc WHERE proname = 'qforge_touch'");
    expect(fn).toHaveLength(1);
    const [row] = await query<{ finished_at: Date | null; logs: string | null }>(
      url,
      "SELECT finished_at, logs FROM _prisma_migrations WHERE migration_name = '99990102000000_broken'",
    );
    expect(row!.finished_at).toBeNull();
    expect(row!.logs).toContain("division by zero");

    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(/failed earlier \(P3009\)/);
    // Prisma's engine sees the same failed migration.
    const migrationsList = await loadMigrationList(dir);
    const diagnosis = await withSchemaEngine(url, (engine) =>
      engine.diagnoseMigrationHistory({
        migrationsList,
        optInToShadowDatabase: false,
        filters: NO_FILTERS,
      }),
    );
    expect(diagnosis.failedMigrationNames).toEqual(["99990102000000_broken"]);

    // What `prisma migrate resolve --rolled-back` does; then a fixed file applies.
    await query(
      url,
      "UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '99990102000000_broken'",
    );
    await cpMigration(dir, "99990102000000_broken", "CREATE TABLE half_done (id INT);\n");
    expect(await migrate(url, { migrationsDir: dir })).toEqual({
      applied: ["99990102000000_broken"],
    });
  });

  it("honours Prisma's ?schema= URL parameter", async () => {
    const url = new URL(await freshDatabase());
    url.searchParams.set("schema", "qforge_custom");
    expect((await migrate(url.toString())).applied.length).toBeGreaterThan(0);
    const tables = await query<{ table_schema: string }>(
      url.toString().replace(/\?.*$/, ""),
      "SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name IN ('jobs', '_prisma_migrations')",
    );
    expect(tables).toEqual([{ table_schema: "qforge_custom" }]);
  });

  it("refuses a database that has tables but no migration history (P3005)", async () => {
    const url = await freshDatabase();
    await query(url, "CREATE TABLE stray (id INT)");
    await expect(migrate(url)).rejects.toThrow(/not empty .*P3005/);
  });
});

async function cpMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, "migration.sql"), sql);
}
