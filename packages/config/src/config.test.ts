import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig, secretValues } from "./config.ts";

const base = { DATABASE_URL: "postgresql://u@localhost/db", REDIS_URL: "redis://localhost:6379" };

describe("loadConfig", () => {
  test("the contract's defaults", () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      queuePrefix: "qforge",
      host: "0.0.0.0",
      port: 3000,
      apiKeys: undefined,
      apiRateLimit: 600,
      admin: { user: "admin", password: undefined },
      workerConcurrency: 10,
      providerOrder: ["groq", "huggingface", "openai_compat"],
      providerTimeoutMs: 10000,
      questionsPerCall: 10,
      breaker: { failureThreshold: 5, openMs: 60000, successThreshold: 1 },
      cacheTtlSeconds: 2592000,
      webhookAllowPrivateNetworks: false,
      logLevel: "info",
      providers: [],
    });
  });

  test("provider keys: plural and singular names, order, Groq's default limits", () => {
    const c = loadConfig({
      ...base,
      GROQ_API_KEY: "a",
      HF_TOKENS: "h1, h2,",
      PROVIDER_ORDER: "huggingface,groq",
    });
    expect(c.providers.map((p) => [p.name, p.keys])).toEqual([
      ["huggingface", ["h1", "h2"]],
      ["groq", ["a"]],
    ]);
    expect(c.providers[1]).toMatchObject({
      model: "llama-3.3-70b-versatile",
      baseUrl: "https://api.groq.com",
      limits: { rpm: 30, rpd: 1000, tpm: 12000, tpd: 100000 },
    });
    expect(c.providerOrder).toEqual(["huggingface", "groq", "openai_compat"]);
  });

  test("empty values count as unset", () => {
    const c = loadConfig({ ...base, PORT: "", API_KEYS: " " });
    expect(c.port).toBe(3000);
    expect(c.apiKeys).toBeUndefined();
  });

  test("an empty plural key list does not hide the singular variable", () => {
    const c = loadConfig({
      ...base,
      GROQ_API_KEYS: ",",
      GROQ_API_KEY: "g1",
      HF_TOKENS: " , ",
      HF_TOKEN: "h1",
    });
    expect(c.providers.map((p) => p.keys)).toEqual([["g1"], ["h1"]]);
  });

  test("secrets include URL passwords, every key, the webhook secret and admin password", () => {
    const c = loadConfig({
      DATABASE_URL: "postgresql://u:db%40pass@localhost/db",
      REDIS_URL: "redis://:redispass@localhost:6379",
      API_KEYS: "c1,c2",
      GROQ_API_KEYS: "g1",
      ADMIN_PASSWORD: "adminpass",
    });
    expect(secretValues(c).sort()).toEqual(["adminpass", "c1", "c2", "db@pass", "g1", "redispass"]);
  });

  test.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ WORKER_CONCURRENCY: "0" }, "WORKER_CONCURRENCY"],
    [{ QUESTIONS_PER_CALL: "1.5" }, "QUESTIONS_PER_CALL"],
    [{ PROVIDER_ORDER: "groq,openai" }, "PROVIDER_ORDER"],
    [{ PROVIDER_ORDER: "groq,groq" }, "PROVIDER_ORDER"],
    [{ WORKER_QUEUES: "groq,emails" }, "WORKER_QUEUES"],
    [{ REDIS_URL: "http://localhost" }, "REDIS_URL"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ GROQ_BASE_URL: "ftp://x" }, "GROQ_BASE_URL"],
    [{ WEBHOOK_SECRET: "nope" }, "WEBHOOK_SECRET"],
    [{ WEBHOOK_ALLOW_PRIVATE_NETWORKS: "yes" }, "WEBHOOK_ALLOW_PRIVATE_NETWORKS"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ API_KEYS: ", ," }, "API_KEYS"],
    [{ OPENAI_COMPAT_BASE_URL: "http://localhost:11434/v1" }, "OPENAI_COMPAT_MODEL"],
  ])("a bad value stops with one line naming the variable: %o", (env, variable) => {
    let error: unknown;
    try {
      loadConfig({ ...base, ...env });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toMatch(new RegExp(`^Invalid configuration: ${variable}: `));
    expect((error as Error).message).not.toContain("\n");
  });

  test("a missing required variable is named", () => {
    expect(() => loadConfig({ REDIS_URL: base.REDIS_URL })).toThrow(
      "Invalid configuration: DATABASE_URL: is required",
    );
  });

  test("the value of a bad secret is never echoed", () => {
    expect(() => loadConfig({ ...base, WEBHOOK_SECRET: "whsec_short-secret-value" })).toThrow(
      /^(?!.*short-secret-value).*$/,
    );
  });
});
