import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/**/*.test.ts",
      "packages/*/src/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "bench/src/**/*.test.ts",
    ],
    globalSetup: ["test/helpers/global-setup.ts"],
    // After each file: no configured secret in any log line it captured (test/helpers/secrets.ts).
    setupFiles: ["test/helpers/secret-scan.ts"],
    // Files run in parallel: each one has its own database (cloned from a migrated template)
    // and its own Redis key prefix.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
