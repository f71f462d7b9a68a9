import { z } from "zod";

export const PROVIDERS = ["groq", "huggingface", "openai_compat"] as const;
type ProviderName = (typeof PROVIDERS)[number];

/** A configuration error names the variable; it never echoes the value (it may be a secret). */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, reason: string) {
    super(`Invalid configuration: ${variable}: ${reason}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, "expected an integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const csv = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" });

const redisUrl = z.string().refine((v) => {
  try {
    return ["redis:", "rediss:"].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, "expected a redis:// or rediss:// URL");

const postgresUrl = z.string().refine((v) => {
  try {
    return ["postgres:", "postgresql:"].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, "expected a postgresql:// URL");

const providerList = csv.pipe(
  z
    .array(z.enum(PROVIDERS, { error: `expected provider names (${PROVIDERS.join(", ")})` }))
    .refine((a) => new Set(a).size === a.length, "names a provider twice"),
);

// Every variable of ../shared/CONTRACT.md, with its default. Empty strings count as unset, as
// .env files and compose files often write `NAME=`.
const Env = z.object({
  NODE_ENV: z.string().default("development"),
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}:.-]{1,64}$/, "expected 1..64 of A-Z a-z 0-9 _ { } : . -")
    .default("qforge"),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: int(0, 65535).default(3000),
  // Set but listing no key would silently turn authentication off: refuse it.
  API_KEYS: csv
    .pipe(z.array(z.string()).min(1, "lists no key (unset it to turn auth off)"))
    .optional(),
  API_RATE_LIMIT: int(1, 1_000_000).default(600),
  ADMIN_USER: z.string().min(1).default("admin"),
  ADMIN_PASSWORD: z.string().min(1).optional(),
  WORKER_QUEUES: csv
    .pipe(
      z.array(
        z.enum([...PROVIDERS, "webhooks"], {
          error: `expected queue names (${[...PROVIDERS, "webhooks"].join(", ")})`,
        }),
      ),
    )
    .optional(),
  WORKER_CONCURRENCY: int(1, 1000).default(10),
  GROQ_API_KEYS: csv.optional(),
  GROQ_API_KEY: csv.optional(),
  GROQ_BASE_URL: httpUrl.default("https://api.groq.com"),
  GROQ_MODEL: z.string().min(1).default("llama-3.3-70b-versatile"),
  GROQ_RPM: int(0, 1e9).default(30),
  GROQ_RPD: int(0, 1e9).default(1000),
  GROQ_TPM: int(0, 1e12).default(12000),
  GROQ_TPD: int(0, 1e12).default(100000),
  HF_TOKENS: csv.optional(),
  HF_TOKEN: csv.optional(),
  HF_ENDPOINT_URL: httpUrl.optional(),
  HF_MODEL: z.string().min(1).default("meta-llama/Llama-3.1-8B-Instruct"),
  HF_RPM: int(0, 1e9).default(20),
  HF_RPD: int(0, 1e9).default(500),
  HF_TPM: int(0, 1e12).default(20000),
  HF_TPD: int(0, 1e12).default(200000),
  OPENAI_COMPAT_BASE_URL: httpUrl.optional(),
  OPENAI_COMPAT_API_KEY: z.string().min(1).optional(),
  OPENAI_COMPAT_MODEL: z.string().min(1).optional(),
  OPENAI_COMPAT_RPM: int(0, 1e9).default(0),
  OPENAI_COMPAT_RPD: int(0, 1e9).default(0),
  OPENAI_COMPAT_TPM: int(0, 1e12).default(0),
  OPENAI_COMPAT_TPD: int(0, 1e12).default(0),
  PROVIDER_ORDER: providerList.default(["groq", "huggingface", "openai_compat"]),
  PROVIDER_TIMEOUT_MS: int(100, 600_000).default(10000),
  QUESTIONS_PER_CALL: int(1, 50).default(10),
  BREAKER_FAILURE_THRESHOLD: int(1, 1000).default(5),
  BREAKER_OPEN_MS: int(100, 86_400_000).default(60000),
  BREAKER_SUCCESS_THRESHOLD: int(1, 1000).default(1),
  CACHE_TTL_SECONDS: int(0, 31_536_000).default(2592000),
  WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, "expected whsec_ followed by base64 (>= 24 bytes)")
    .optional(),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // Not in the contract: how often a job is tried on real errors, and the first retry delay.
  JOB_ATTEMPTS: int(1, 100).default(3),
  JOB_BACKOFF_MS: int(0, 3_600_000).default(2000),
  // Not in the contract: how long a key whose credentials were rejected rests before a probe.
  KEY_REPROBE_MS: int(1000, 86_400_000).default(300_000),
  // Not in the contract: how long a stopping process waits for in-flight requests and active
  // jobs before it lets go of them (below a supervisor's usual 30 s grace period).
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(20_000),
  // Not in the contract: BullMQ's job lock. A worker that dies holds its jobs this long (the
  // stalled check runs as often) before another worker takes them over.
  JOB_LOCK_MS: int(1000, 600_000).default(30_000),
});

export interface ProviderLimits {
  rpm: number;
  rpd: number;
  tpm: number;
  tpd: number;
}

export interface ProviderConfig {
  name: ProviderName;
  /** Secrets, one per account; never logged. */
  keys: string[];
  model: string;
  baseUrl: string | undefined;
  limits: ProviderLimits;
}

export interface Config {
  nodeEnv: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  host: string;
  port: number;
  apiKeys: string[] | undefined;
  apiRateLimit: number;
  admin: { user: string; password: string | undefined };
  workerQueues: string[] | undefined;
  workerConcurrency: number;
  /** Configured providers (at least one key), in PROVIDER_ORDER. */
  providers: ProviderConfig[];
  providerOrder: ProviderName[];
  providerTimeoutMs: number;
  questionsPerCall: number;
  breaker: { failureThreshold: number; openMs: number; successThreshold: number };
  cacheTtlSeconds: number;
  webhookSecret: string | undefined;
  webhookAllowPrivateNetworks: boolean;
  logLevel: string;
  jobAttempts: number;
  jobBackoffMs: number;
  keyReprobeMs: number;
  shutdownTimeoutMs: number;
  jobLockMs: number;
}

function firstIssue(error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  const variable = String(issue?.path[0] ?? "environment");
  const reason =
    issue?.code === "invalid_type" && issue.input === undefined
      ? "is required"
      : (issue?.message ?? "invalid");
  return new ConfigError(variable, reason);
}

/** Parses the environment once. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""),
  );
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) throw firstIssue(parsed.error);
  const e = parsed.data;

  if (e.OPENAI_COMPAT_BASE_URL && !e.OPENAI_COMPAT_MODEL) {
    throw new ConfigError("OPENAI_COMPAT_MODEL", "is required when OPENAI_COMPAT_BASE_URL is set");
  }
  const all: Record<ProviderName, ProviderConfig> = {
    groq: {
      name: "groq",
      keys: e.GROQ_API_KEYS?.length ? e.GROQ_API_KEYS : (e.GROQ_API_KEY ?? []),
      model: e.GROQ_MODEL,
      baseUrl: e.GROQ_BASE_URL,
      limits: { rpm: e.GROQ_RPM, rpd: e.GROQ_RPD, tpm: e.GROQ_TPM, tpd: e.GROQ_TPD },
    },
    huggingface: {
      name: "huggingface",
      keys: e.HF_TOKENS?.length ? e.HF_TOKENS : (e.HF_TOKEN ?? []),
      model: e.HF_MODEL,
      baseUrl: e.HF_ENDPOINT_URL,
      limits: { rpm: e.HF_RPM, rpd: e.HF_RPD, tpm: e.HF_TPM, tpd: e.HF_TPD },
    },
    openai_compat: {
      name: "openai_compat",
      // The key is optional for local servers; the base URL is what enables the provider.
      keys: e.OPENAI_COMPAT_BASE_URL ? [e.OPENAI_COMPAT_API_KEY ?? ""] : [],
      model: e.OPENAI_COMPAT_MODEL ?? "",
      baseUrl: e.OPENAI_COMPAT_BASE_URL,
      limits: {
        rpm: e.OPENAI_COMPAT_RPM,
        rpd: e.OPENAI_COMPAT_RPD,
        tpm: e.OPENAI_COMPAT_TPM,
        tpd: e.OPENAI_COMPAT_TPD,
      },
    },
  };
  const providerOrder = [
    ...e.PROVIDER_ORDER,
    ...PROVIDERS.filter((p) => !e.PROVIDER_ORDER.includes(p)),
  ];

  return {
    nodeEnv: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    host: e.HOST,
    port: e.PORT,
    apiKeys: e.API_KEYS,
    apiRateLimit: e.API_RATE_LIMIT,
    admin: { user: e.ADMIN_USER, password: e.ADMIN_PASSWORD },
    workerQueues: e.WORKER_QUEUES,
    workerConcurrency: e.WORKER_CONCURRENCY,
    providers: providerOrder.map((p) => all[p]).filter((p) => p.keys.length > 0),
    providerOrder,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
    questionsPerCall: e.QUESTIONS_PER_CALL,
    breaker: {
      failureThreshold: e.BREAKER_FAILURE_THRESHOLD,
      openMs: e.BREAKER_OPEN_MS,
      successThreshold: e.BREAKER_SUCCESS_THRESHOLD,
    },
    cacheTtlSeconds: e.CACHE_TTL_SECONDS,
    webhookSecret: e.WEBHOOK_SECRET,
    webhookAllowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    logLevel: e.LOG_LEVEL,
    jobAttempts: e.JOB_ATTEMPTS,
    jobBackoffMs: e.JOB_BACKOFF_MS,
    keyReprobeMs: e.KEY_REPROBE_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    jobLockMs: e.JOB_LOCK_MS,
  };
}

/**
 * For entry points: reads `.env` (without overriding the real environment), parses, and on a bad
 * value prints one line naming the variable and exits 1.
 */
export async function loadConfigOrExit(): Promise<Config> {
  const dotenv = await import("dotenv");
  dotenv.config({ quiet: true });
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Every secret in the configuration, for the logger to scrub from every line. */
export function secretValues(config: Config): string[] {
  const password = (url: string) => {
    try {
      return decodeURIComponent(new URL(url).password);
    } catch {
      return undefined;
    }
  };
  return [
    password(config.databaseUrl),
    password(config.redisUrl),
    ...config.providers.flatMap((p) => p.keys),
    ...(config.apiKeys ?? []),
    config.webhookSecret,
    config.admin.password,
  ].filter((v): v is string => typeof v === "string" && v.length > 0);
}
