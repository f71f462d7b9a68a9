import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger } from "pino";

// Structured fields that may hold credentials, prompts or model output.
const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["idempotency-key"]',
  "res.headers['set-cookie']",
  "*.apiKey",
  "*.api_key",
  "*.token",
  "*.password",
  "*.secret",
  "*.authorization",
  "*.prompt",
  "*.messages",
  "*.completion",
];

const secrets = new Set<string>();

/**
 * Known secret values (provider keys, client keys, webhook and admin secrets). Every log line is
 * scrubbed of them before it is written, whatever field or message they hide in: redaction by
 * path alone misses a key quoted inside an upstream error message.
 */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const v of values) if (v && v.length >= 6) secrets.add(v);
}

function scrub(line: string): string {
  let out = line;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[REDACTED]");
  return out;
}

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: pino.DestinationStream,
): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? "info",
    base: { service: options.name ?? "qforge", pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
    formatters: { level: (label) => ({ level: label }) },
    hooks: { streamWrite: scrub },
  };
  return destination ? pino(opts, destination) : pino(opts);
}

const quiet = () => {};

/**
 * `parent.child(bindings)`, made only when something is logged at an enabled level. A worker
 * makes a logger per job, and making a child serializes and redacts its bindings; most jobs log
 * nothing at the usual level, so most never pay for it.
 */
export function lazyChild(parent: Logger, bindings: pino.Bindings): Logger {
  let child: Logger | undefined;
  return new Proxy(parent, {
    get(target, prop) {
      // pino's own table of level names (with any custom levels).
      if (
        typeof prop === "string" &&
        Object.hasOwn(target.levels.values, prop) &&
        !target.isLevelEnabled(prop)
      ) {
        return quiet;
      }
      child ??= target.child(bindings);
      const value: unknown = Reflect.get(child, prop, child);
      return typeof value === "function" ? value.bind(child) : value;
    },
  });
}
