// `pnpm db:migrate`: applies prisma/migrations to DATABASE_URL (environment, else `.env`), as
// `prisma migrate deploy` would, offline. One line per applied migration, then a summary; on error
// one line on stderr and exit code 1. Never prints the URL's password.
import dotenv from "dotenv";
import { migrate } from "../migrate.ts";

dotenv.config({ quiet: true });
const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write("Invalid configuration: DATABASE_URL: is required\n");
  process.exit(1);
}

const started = performance.now();
try {
  const { applied } = await migrate(url, { log: (msg) => process.stdout.write(`${msg}\n`) });
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    applied.length === 0
      ? `db:migrate: ${describe(url)} is up to date, no pending migrations (${ms} ms)\n`
      : `db:migrate: ${applied.length} migration${applied.length === 1 ? "" : "s"} applied to ${describe(url)} (${ms} ms)\n`,
  );
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`db:migrate failed: ${scrub(message.replace(/\s*\n\s*/g, " "), url)}\n`);
  process.exitCode = 1;
}

/** `host:port/database`, without user or password. */
function describe(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    return `${u.host}${u.pathname}`;
  } catch {
    return "the database";
  }
}

/** Belt and braces: no message may carry the URL or its password. */
function scrub(message: string, databaseUrl: string): string {
  let out = message.split(databaseUrl).join(describe(databaseUrl));
  try {
    const password = new URL(databaseUrl).password;
    for (const secret of new Set([password, decodeURIComponent(password)])) {
      if (secret.length >= 4) out = out.split(secret).join("***");
    }
  } catch {
    // not a URL: nothing more to hide
  }
  return out;
}
