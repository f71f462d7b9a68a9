import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export type Database = PrismaClient;

/** One Prisma client (and pg pool) per process. */
export function createDatabase(databaseUrl: string, options: { poolSize?: number } = {}): Database {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    // Fail fast rather than queue forever when Postgres is unreachable: the API answers 503.
    connectionTimeoutMillis: 5000,
  });
  // A busy pool makes a transaction wait for a connection (up to the connection timeout) rather
  // than fail after Prisma's default 2 s; a transaction still may not run longer than 15 s.
  return new PrismaClient({ adapter, transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
}
