// The HTTP side of the CLI: one place that knows the base URL, the API key and how to turn
// problem+json answers and network failures into one readable line.

/** An error the CLI reports as one line (after "qforge: ") and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ path?: string; message?: string }>;
}

/** A non-2xx answer from the API. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const DEFAULT_URL = "http://127.0.0.1:3000";
const REQUEST_TIMEOUT_MS = 30_000;

export interface ClientOptions {
  baseUrl: string;
  apiKey: string | undefined;
}

/** Reads `QFORGE_URL` and `QFORGE_API_KEY`; a URL that is not http(s) stops the CLI. */
export function clientOptionsFromEnv(env: NodeJS.ProcessEnv): ClientOptions {
  const raw = env.QFORGE_URL?.trim() || DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError("QFORGE_URL is not a URL (expected e.g. http://127.0.0.1:3000)");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliError("QFORGE_URL must be an http:// or https:// URL");
  }
  return {
    baseUrl: url.toString().replace(/\/+$/, ""),
    apiKey: env.QFORGE_API_KEY?.trim() || undefined,
  };
}

/** The URL without credentials, for messages. */
export function displayUrl(baseUrl: string): string {
  const u = new URL(baseUrl);
  u.username = "";
  u.password = "";
  return u.toString().replace(/\/+$/, "");
}

/** One line describing a problem+json answer: status, title, detail and each error. */
export function describeProblem(
  status: number,
  problem: Problem | undefined,
  fallback: string,
): string {
  const parts: string[] = [];
  const title = problem?.title ?? fallback;
  let line = `${status} ${title}`.trim();
  if (problem?.detail) line += `: ${problem.detail}`;
  parts.push(line);
  for (const e of problem?.errors ?? []) {
    parts.push(`${e.path || "/"}: ${e.message ?? "invalid"}`);
  }
  return parts.join("; ");
}

function networkMessage(error: unknown, baseUrl: string): string {
  const where = displayUrl(baseUrl);
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `qforge at ${where} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return `cannot reach qforge at ${where} (${reason}); is QFORGE_URL right and the API running?`;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** No timeout when false (event streams); else 30 s. */
  timeout?: boolean;
}

export class ApiClient {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#apiKey = options.apiKey;
  }

  /** The configured key, only so error output can be scrubbed of it. */
  get secrets(): string[] {
    return this.#apiKey ? [this.#apiKey] : [];
  }

  /** Sends a request; network failures become a CliError, any answer is returned as is. */
  async fetch(path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    try {
      return await fetch(this.baseUrl + path, {
        method: options.method ?? "GET",
        headers,
        body,
        signal: options.timeout === false ? undefined : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(networkMessage(error, this.baseUrl));
    }
  }

  /** Sends a request and returns the JSON body of a 2xx answer; else throws an ApiError. */
  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.fetch(path, options);
    if (!res.ok) throw await this.errorOf(res);
    try {
      return (await res.json()) as T;
    } catch (error) {
      if (error instanceof DOMException && error.name === "TimeoutError") {
        throw new CliError(networkMessage(error, this.baseUrl));
      }
      throw new CliError(`qforge at ${displayUrl(this.baseUrl)} answered ${path} with no JSON`);
    }
  }

  /** The ApiError for a non-2xx answer, with a hint about the key on a 401. */
  async errorOf(res: Response): Promise<ApiError> {
    const text = await res.text().catch(() => "");
    let problem: Problem | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null) problem = parsed as Problem;
    } catch {
      // not JSON (a proxy's HTML page, say): the status line is all we can tell
    }
    let message = describeProblem(res.status, problem, res.statusText);
    if (res.status === 401) {
      message += this.#apiKey
        ? " (the key in QFORGE_API_KEY was refused)"
        : " (QFORGE_API_KEY is not set)";
    }
    return new ApiError(res.status, problem, message);
  }
}

/** Replaces every secret in `text` (the API key may appear in an echoed URL or header). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join("***");
  return out;
}
