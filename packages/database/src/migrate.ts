// Applies prisma/migrations the way `prisma migrate deploy` does, without Prisma's native schema
// engine (Prisma 7's CLI downloads it, which fails offline: see shared/TOOLCHAIN.md).
//
// Why our own runner rather than Prisma's Wasm schema engine: behind a driver adapter, that engine
// hands each migration to @prisma/adapter-pg's executeScript, which splits the file on every `;`
// and runs the pieces one by one outside any transaction (a plpgsql body breaks, a failure leaves
// half a migration), and it takes the advisory lock on a pooled connection it never releases, so
// a second runner times out. The native engine sends the whole file as ONE simple query (Postgres
// runs that as one implicit transaction) and holds the lock on its one connection — as this does.
//
// Same bookkeeping as the native engine (prisma-engines apply_migrations.rs, the Postgres flavour
// and sql_migration_persistence.rs), so a real `prisma migrate deploy` later agrees with it:
// advisory lock 72707369, `_prisma_migrations` with the same DDL, one row per migration (uuid,
// sha256 hex of migration.sql, started_at, then finished_at and applied_steps_count = 1, or logs
// when it fails). test/migrate.test.ts checks this against Prisma's own engine.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** Prisma Migrate's advisory lock key: this runner and `prisma migrate deploy` exclude each other. */
const LOCK_KEY = 72707369;
const MIGRATIONS_TABLE = "_prisma_migrations";
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(
  new URL("../../../prisma/migrations", import.meta.url),
);

export interface MigrateOptions {
  /** Defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
  log?: (msg: string) => void;
  /** How long to wait for another runner's lock (Prisma waits 10 s). Default 60 s. */
  lockTimeoutMs?: number;
}

/** A refusal or failure, with a one-line message safe to print (never contains the URL). */
export class MigrationError extends Error {
  override name = "MigrationError";
}

export interface MigrationFile {
  name: string;
  script: string;
  checksum: string;
}

/** sha256 hex of migration.sql: the `checksum` column Prisma writes. */
export function checksumOf(script: string): string {
  return createHash("sha256").update(script, "utf8").digest("hex");
}

/** Prisma accepts a script whose line endings git changed (CRLF <-> LF) as unchanged. */
function matchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replace(/\r\n/g, "\n"), script.replace(/\r?\n/g, "\r\n")];
  return variants.some((s) => checksumOf(s) === checksum);
}

/** The migration directories in the order Prisma's CLI lists them (localeCompare of names). */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const lockfile = await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8").catch(
    () => null,
  );
  if (lockfile !== null) {
    const line = lockfile.split(/\r?\n/).find((l) => l.startsWith("provider"));
    const provider = line?.replace(/^provider\s*=\s*/, "").replace(/"/g, "") ?? "<none>";
    if (provider !== "postgresql") {
      throw new MigrationError(
        `migration_lock.toml says provider "${provider}", but this runner applies "postgresql" migrations (P3019)`,
      );
    }
  }
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error: unknown) => {
    throw new MigrationError(`cannot read ${migrationsDir}: ${(error as Error).message}`);
  });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      const script = await readFile(file, "utf8").catch(() => {
        throw new MigrationError(`migration ${name} has no readable migration.sql (${file})`);
      });
      return { name, script, checksum: checksumOf(script) };
    }),
  );
}

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
}

/**
 * Applies every not-yet-applied migration of `migrationsDir` to `databaseUrl`.
 * Refuses (throws MigrationError) when a migration failed earlier or an applied one was edited.
 */
export async function migrate(
  databaseUrl: string,
  opts: MigrateOptions = {},
): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => {});
  const migrations = await readMigrations(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const { connectionString, schema } = splitSchemaParam(databaseUrl);

  const client = new pg.Client({ connectionString, application_name: "qforge-migrate" });
  // An idle client's socket error would otherwise be an unhandled 'error' event (process crash).
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new MigrationError(`cannot connect to the database: ${oneLine(error)}`);
  }
  try {
    // Session-level lock, held until we unlock or this connection ends (even if we crash).
    const timeoutMs = opts.lockTimeoutMs ?? 60_000;
    await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    try {
      await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    } catch (error) {
      if ((error as { code?: string }).code === "55P03") {
        throw new MigrationError(
          `another migration run still holds the migration lock after ${timeoutMs} ms (pg_advisory_lock(${LOCK_KEY}))`,
        );
      }
      throw error;
    }
    await client.query("RESET lock_timeout"); // the migrations themselves wait as long as Prisma's do

    // Like the native engine: create the URL's schema (`?schema=`, default public) if missing and
    // work inside it. (Looked up first: CREATE SCHEMA IF NOT EXISTS needs CREATE rights anyway.)
    const exists = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await client.query(`SET search_path TO ${quoteIdent(schema)}`);

    const rows = await loadMigrationRows(client, schema);
    const live = rows.filter((r) => r.rolled_back_at === null);

    // P3009: a migration that started but did not finish must be resolved by a human first.
    const failed = live.filter((r) => r.finished_at === null);
    if (failed.length > 0) {
      const names = failed.map((r) => r.migration_name).join(", ");
      throw new MigrationError(
        `migration ${names} failed earlier (P3009); fix the database by hand, then mark it rolled back ` +
          `(UPDATE "${MIGRATIONS_TABLE}" SET rolled_back_at = now() WHERE migration_name = '<name>' AND finished_at IS NULL) ` +
          `to retry it, or applied (set finished_at = now()) if you finished it yourself`,
      );
    }

    // Stricter than `migrate deploy` (which only reports edits in `migrate status`): an applied
    // migration whose file changed means this database no longer matches the repository's history.
    const byName = new Map(migrations.map((m) => [m.name, m]));
    const edited = live.filter((r) => {
      const file = byName.get(r.migration_name);
      return file !== undefined && !matchesChecksum(file.script, r.checksum);
    });
    if (edited.length > 0) {
      const names = edited.map((r) => r.migration_name).join(", ");
      throw new MigrationError(
        `migration ${names} was modified after it was applied (checksum differs); restore the file and put the change in a new migration`,
      );
    }

    const appliedNames = new Set(live.map((r) => r.migration_name));
    for (const name of appliedNames) {
      if (!byName.has(name))
        log(`warning: ${name} is applied in the database but not in the migrations directory`);
    }

    const applied: string[] = [];
    for (const migration of migrations) {
      if (appliedNames.has(migration.name)) continue;
      await applyOne(client, migration, log);
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}

async function applyOne(client: pg.Client, migration: MigrationFile, log: (msg: string) => void) {
  const id = randomUUID();
  await client.query(
    `INSERT INTO "${MIGRATIONS_TABLE}" (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)`,
    [id, migration.checksum, migration.name],
  );
  const started = performance.now();
  try {
    // No parameters: node-postgres uses the simple query protocol, so the whole file is one
    // message and Postgres runs it as one implicit transaction (all or nothing), as Prisma does.
    await client.query(migration.script);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "none";
    const message = oneLine(error);
    await client.query(`UPDATE "${MIGRATIONS_TABLE}" SET logs = $2 WHERE id = $1`, [
      id,
      `Migration name: ${migration.name}\n\nDatabase error code: ${code}\n\nDatabase error:\n${(error as Error).message}`,
    ]);
    throw new MigrationError(
      `migration ${migration.name} failed (P3018, database error ${code}: ${message}); nothing of it was applied, and new migrations are refused until it is resolved`,
    );
  }
  await client.query(
    `UPDATE "${MIGRATIONS_TABLE}" SET finished_at = now(), applied_steps_count = applied_steps_count + 1 WHERE id = $1`,
    [id],
  );
  log(`applied ${migration.name} (${Math.round(performance.now() - started)} ms)`);
}

/**
 * Reads `_prisma_migrations`, creating it on first use. Like Prisma (P3005), refuses a schema that
 * already has tables but no migration history: it would need baselining, not a blind replay.
 */
async function loadMigrationRows(client: pg.Client, schema: string): Promise<MigrationRow[]> {
  const tables = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname = $1`,
    [schema],
  );
  const names = tables.rows.map((r) => r.relname);
  if (!names.includes(MIGRATIONS_TABLE)) {
    if (names.length > 0) {
      throw new MigrationError(
        `schema "${schema}" is not empty but has no ${MIGRATIONS_TABLE} table (P3005); baseline it or use an empty database`,
      );
    }
    await client.query(CREATE_MIGRATIONS_TABLE);
  }
  const result = await client.query<MigrationRow>(
    `SELECT id, checksum, migration_name, finished_at, rolled_back_at, started_at, logs
     FROM "${MIGRATIONS_TABLE}" ORDER BY started_at ASC`,
  );
  return result.rows;
}

/** Prisma reads `?schema=` from the URL; node-postgres does not know it, so take it out. */
function splitSchemaParam(databaseUrl: string): { connectionString: string; schema: string } {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new MigrationError("DATABASE_URL is not a valid URL");
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
    throw new MigrationError(`DATABASE_URL must be a postgresql:// URL, not ${url.protocol}//`);
  }
  const schema = url.searchParams.get("schema") || "public";
  url.searchParams.delete("schema");
  return { connectionString: url.toString(), schema };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, " ").trim();
}
