import { expect, test } from "vitest";
import { findLeaks, secretsOfEnv, testWebhookSecret } from "./helpers/secrets.ts";

const WEBHOOK_SECRET = testWebhookSecret("secrets-test");

// The after-file secret scan (test/helpers/secret-scan.ts) is only as good as these two.

test("secretsOfEnv picks keys, tokens, secrets, passwords and URL passwords, item by item", () => {
  expect(
    secretsOfEnv({
      API_KEYS: "client-one-0001, client-two-0002",
      GROQ_API_KEY: "gsk_abcdef123",
      HF_TOKENS: "hf_token_one",
      OPENAI_COMPAT_API_KEY: "sk-local-123",
      WEBHOOK_SECRET,
      ADMIN_PASSWORD: "admin-pass-1",
      DATABASE_URL: "postgresql://qforge:pg%40pass99@db:5432/qforge",
      REDIS_URL: "redis://:redis-pass-7@127.0.0.1:6379/2",
      GROQ_BASE_URL: "https://api.groq.com",
      KEY_REPROBE_MS: "300000",
      QUEUE_PREFIX: "qforge",
      SHORT_KEY: "abc",
    }).sort(),
  ).toEqual(
    [
      "client-one-0001",
      "client-two-0002",
      "gsk_abcdef123",
      "hf_token_one",
      "sk-local-123",
      WEBHOOK_SECRET,
      "admin-pass-1",
      "pg@pass99",
      "redis-pass-7",
    ].sort(),
  );
});

test("findLeaks names the output and the line, and masks the secret in its report", () => {
  const leaks = findLeaks(
    [
      { name: "api", text: '{"msg":"ok"}\n{"msg":"calling with gsk_abcdef123 now"}' },
      { name: "worker", text: '{"msg":"[REDACTED]"}' },
    ],
    ["gsk_abcdef123", "never-there-1"],
  );
  expect(leaks).toEqual([
    { output: "api", secret: "gsk…(13 chars)", line: '{"msg":"calling with gsk…(13 chars) now"}' },
  ]);
  expect(JSON.stringify(leaks)).not.toContain("gsk_abcdef123");
});
