// `prisma generate` needs no database, but Prisma 7's CLI tries to download its native schema
// engine first, which fails offline. Generation itself does not use that engine, so point the
// CLI at a no-op binary for this one command (never for migrations: see TOOLCHAIN.md).
import { execFileSync } from "node:child_process";

execFileSync("pnpm", ["exec", "prisma", "generate"], {
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
