import type { ProviderErrorKind, ProviderName } from "./types.ts";

// Symbol.for, not a private symbol: the guard must still work if two copies of this module load.
const BRAND: unique symbol = Symbol.for("qforge.ProviderError");

export interface ProviderErrorInit {
  kind: ProviderErrorKind;
  provider: ProviderName;
  keyId: string;
  status?: number;
  retryAfterMs?: number;
  /** Upstream error text; scrubbed of secrets and shortened before it is kept. */
  detail?: string;
  /** Overrides the generated message (scrubbed too). */
  message?: string;
}

/**
 * The only error a provider client throws. It carries no secret, no request and no upstream
 * error object, so it is safe to log, serialize and put into job records as it is.
 */
export class ProviderError extends Error {
  readonly [BRAND] = true;
  readonly kind: ProviderErrorKind;
  readonly provider: ProviderName;
  readonly keyId: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly detail?: string;

  constructor(init: ProviderErrorInit) {
    super(scrubSecrets(init.message ?? defaultMessage(init)));
    this.name = "ProviderError";
    this.kind = init.kind;
    this.provider = init.provider;
    this.keyId = init.keyId;
    if (init.status !== undefined) this.status = init.status;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.detail) this.detail = truncate(scrubSecrets(init.detail), 300);
  }
}

export function isProviderError(e: unknown): e is ProviderError {
  return typeof e === "object" && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true;
}

function defaultMessage(init: ProviderErrorInit): string {
  const http = init.status !== undefined ? `HTTP ${init.status} ` : "";
  switch (init.kind) {
    case "rate_limited":
      return init.retryAfterMs !== undefined
        ? `${init.keyId}: ${http}rate limited, retry after ${init.retryAfterMs} ms`
        : `${init.keyId}: ${http}rate limited`;
    case "auth":
      return `${init.keyId}: ${http}credentials rejected`;
    case "timeout":
      return `${init.keyId}: ${http}timed out`;
    case "server":
      return `${init.keyId}: ${http}from provider`;
    case "connection":
      return `${init.keyId}: connection failed`;
    case "bad_request":
      return `${init.keyId}: ${http}request rejected`;
    case "invalid_output":
      return `${init.keyId}: invalid output from provider`;
    case "aborted":
      return `${init.keyId}: aborted`;
  }
}

const SECRET_PATTERNS: RegExp[] = [
  /\bBearer\s+[^\s"',;]+/gi,
  /\bgsk_[A-Za-z0-9_-]+/g,
  /\bhf_[A-Za-z0-9_-]+/g,
  /\bsk-[A-Za-z0-9_-]{8,}/g,
];

/** Removes anything that looks like an API key or bearer token from upstream text. */
export function scrubSecrets(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of extraSecrets) {
    // Short strings would redact ordinary words; real keys are long.
    if (secret.length >= 8) out = out.split(secret).join("[redacted]");
  }
  for (const re of SECRET_PATTERNS) out = out.replace(re, "[redacted]");
  return out;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined> | null | undefined;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How long the server asked us to wait: `retry-after-ms` (non-standard, OpenAI/Groq send it)
 * wins over `retry-after` (seconds or an HTTP date). Undefined when absent or unparsable.
 */
export function parseRetryAfterMs(headers: HeaderSource, now = Date.now()): number | undefined {
  const ms = header(headers, "retry-after-ms")?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const value = header(headers, "retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Maps an HTTP status to a kind; shared by both clients so they agree. */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth";
  if (status === 408) return "timeout";
  if (status >= 500) return "server";
  return "bad_request";
}
