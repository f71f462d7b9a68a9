// Prisma's own schema engine, compiled to Wasm (@prisma/schema-engine-wasm 7.10.0-4.0edf323…: the
// same engine commit as the prisma 7.10.0 CLI's native one), for the migration dev tools and tests:
// it writes migration SQL (`diff`) and tells whether a database matches schema.prisma. It never
// applies migrations here: packages/database/src/migrate.ts does, and says why.
//
// scripts/ is not a workspace package, so these tools borrow @qforge/database's pinned
// dependencies (pg, @prisma/adapter-pg and, as devDependencies, the engine and
// @prisma/driver-adapter-utils) by resolving them from that package's directory.
import { randomBytes } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const requireFromDatabase = createRequire(
  new URL("../packages/database/package.json", import.meta.url),
);

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const SCHEMA_PATH = path.join(REPO_ROOT, "prisma", "schema.prisma");
export const MIGRATIONS_DIR = path.join(REPO_ROOT, "prisma", "migrations");

// The few engine and driver types used here (their packages are not resolvable from scripts/).
type SchemaFile = { path: string; content: string };
type SchemaFilter = { externalTables: string[]; externalEnums: string[] };
type DiffTarget =
  | { tag: "empty" }
  | { tag: "schemaDatamodel"; files: SchemaFile[] }
  | { tag: "schemaDatasource"; files: SchemaFile[]; configDir: string };
export interface MigrationList {
  baseDir: string;
  lockfile: { path: string; content: string | null };
  shadowDbInitScript: string;
  migrationDirectories: {
    path: string;
    migrationFile: {
      path: string;
      content: { tag: "ok"; value: string } | { tag: "error"; value: string };
    };
  }[];
}
export interface SchemaEngine {
  diff(params: {
    from: DiffTarget;
    to: DiffTarget;
    script: boolean;
    exitCode: boolean | null;
    filters: SchemaFilter;
  }): Promise<{ exitCode: number; stdout: string | null }>;
  diagnoseMigrationHistory(params: {
    migrationsList: MigrationList;
    optInToShadowDatabase: boolean;
    filters: SchemaFilter;
  }): Promise<{
    editedMigrationNames: string[];
    failedMigrationNames: string[];
    hasMigrationsTable: boolean;
    history: unknown;
  }>;
  applyMigrations(params: {
    migrationsList: MigrationList;
    filters: SchemaFilter;
  }): Promise<{ appliedMigrationNames: string[] }>;
  free(): void;
}
interface WasmGlue {
  SchemaEngine: {
    new: (
      options: { datamodels: [string, string][] | undefined },
      log: (msg: string) => void,
      adapter: object,
    ) => Promise<SchemaEngine>;
  };
  version(): string;
  __wbg_set_wasm(exports: Record<string, unknown>): void;
}
// The WebAssembly global (tsconfig's lib has no DOM, and @types/node 20 does not declare it).
const { WebAssembly: wasmApi } = globalThis as unknown as {
  WebAssembly: {
    instantiate(
      bytes: Uint8Array,
      imports: Record<string, object>,
    ): Promise<{ instance: { exports: Record<string, unknown> } }>;
  };
};
interface PgResult {
  fields?: { dataTypeID: number }[];
}
interface PgClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}
interface PgPool {
  query: (...args: unknown[]) => Promise<PgResult | PgResult[]>;
  end(): Promise<void>;
}
interface PgModule {
  Client: new (config: { connectionString: string }) => PgClient;
  Pool: new (config: { connectionString: string; max: number }) => PgPool;
}

export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

let glue: Promise<WasmGlue> | undefined;

/** Loads the engine once. Its package entry imports the .wasm as an ES module, which Node 20
 *  cannot do without a flag, so instantiate it by hand the way wasm-bindgen's glue expects. */
function loadEngine(): Promise<WasmGlue> {
  glue ??= (async () => {
    const dir = path.dirname(requireFromDatabase.resolve("@prisma/schema-engine-wasm"));
    const js = (await import(
      pathToFileURL(path.join(dir, "schema_engine_bg.js")).href
    )) as WasmGlue;
    const bytes = await readFile(path.join(dir, "schema_engine_bg.wasm"));
    const { instance } = await wasmApi.instantiate(bytes, { "./schema_engine_bg.js": js });
    js.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return js;
  })();
  return glue;
}

/** Loads the repository's `.env` (variables already set win), as `pnpm db:migrate` does. */
export function loadDotenv(): void {
  const dotenv = requireFromDatabase("dotenv") as {
    config(options: { path: string; quiet: boolean }): unknown;
  };
  dotenv.config({ path: path.join(REPO_ROOT, ".env"), quiet: true });
}

export function pg(): PgModule {
  return requireFromDatabase("pg") as PgModule;
}

/**
 * Runs `fn` with Prisma's schema engine connected to `databaseUrl` (through @prisma/adapter-pg on
 * a one-connection pool, closed afterwards so no session lock outlives the call).
 */
export async function withSchemaEngine<T>(
  databaseUrl: string,
  fn: (engine: SchemaEngine, schema: SchemaFile[]) => Promise<T>,
  opts: { schemaPath?: string } = {},
): Promise<T> {
  const wasm = await loadEngine();
  const schemaPath = opts.schemaPath ?? SCHEMA_PATH;
  const schema = [{ path: schemaPath, content: await readFile(schemaPath, "utf8") }];
  const { PrismaPg } = requireFromDatabase("@prisma/adapter-pg") as {
    PrismaPg: new (pool: PgPool) => object;
  };
  const { bindMigrationAwareSqlAdapterFactory } = requireFromDatabase(
    "@prisma/driver-adapter-utils",
  ) as { bindMigrationAwareSqlAdapterFactory: (factory: object) => object };

  const pool = new (pg().Pool)({ connectionString: databaseUrl, max: 1 });
  // adapter-pg 7.10.0 cannot type Postgres' internal "char" columns (oid 18), which the engine's
  // schema describer reads from pg_catalog ("Column type 'char' could not be deserialized"):
  // hand them over as text (oid 25), which is what they are.
  const query = pool.query.bind(pool);
  pool.query = async (...args: unknown[]) => {
    const result = await query(...args);
    for (const r of Array.isArray(result) ? result : [result]) {
      for (const field of r.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
    }
    return result;
  };
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
  try {
    const engine = await wasm.SchemaEngine.new(
      { datamodels: schema.map((f): [string, string] => [f.path, f.content]) },
      () => {},
      adapter,
    );
    try {
      return await fn(engine, schema);
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}

/**
 * Prisma's diff from the live database (as the migrations left it) to schema.prisma, as
 * `prisma migrate diff --from-config-datasource --to-schema … [--script] --exit-code` would give:
 * exitCode 0 when they agree, 2 with the SQL (script) or a summary when they differ.
 */
export function diffDatabaseToSchema(
  databaseUrl: string,
  opts: { script: boolean; schemaPath?: string },
): Promise<{ exitCode: number; stdout: string }> {
  return withSchemaEngine(
    databaseUrl,
    async (engine, files) => {
      const result = await engine.diff({
        from: { tag: "schemaDatasource", files, configDir: REPO_ROOT },
        to: { tag: "schemaDatamodel", files },
        script: opts.script,
        exitCode: true,
        filters: NO_FILTERS,
      });
      return { exitCode: result.exitCode, stdout: result.stdout ?? "" };
    },
    opts,
  );
}

/** The migrations directory as Prisma's CLI hands it to the engine. */
export async function loadMigrationList(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const lockfile = await readFile(path.join(dir, "migration_lock.toml"), "utf8").catch(() => null);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: lockfile },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: await readFile(path.join(dir, name, "migration.sql"), "utf8").then(
            (value) => ({ tag: "ok" as const, value }),
            (error: Error) => ({ tag: "error" as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}

/** `serverUrl` with another database (and no Prisma `schema` parameter). */
export function withDatabaseName(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  url.searchParams.delete("schema");
  return url.toString();
}

/** Runs `fn` on a new empty database on the same server as `serverUrl`, dropped afterwards. */
export async function withScratchDatabase<T>(
  serverUrl: string,
  prefix: string,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  try {
    return await fn(withDatabaseName(serverUrl, name));
  } finally {
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

/** One statement on a maintenance database (like Prisma: postgres, else template1). */
async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  let lastError: unknown;
  for (const database of ["postgres", "template1"]) {
    const client = new (pg().Client)({ connectionString: withDatabaseName(serverUrl, database) });
    try {
      await client.connect();
    } catch (error) {
      lastError = error;
      continue;
    }
    try {
      await client.query(sql);
      return;
    } finally {
      await client.end();
    }
  }
  throw lastError;
}
