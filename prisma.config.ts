import { defineConfig } from "prisma/config";

// Prisma 7 reads the datasource URL from here, not from the schema. Only `prisma generate`
// runs through the CLI (offline); migrations are applied by packages/database/src/migrate.ts.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/qforge" },
});
