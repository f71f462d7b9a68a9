import { Agent, request } from "undici";
import { signatureHeaders } from "./signing.ts";
import {
  checkUrlShape,
  isWebhookUrlRefused,
  publicOnlyLookup,
  type LookupFunction,
} from "./ssrf.ts";

// One delivery attempt over undici. The SSRF check that matters is here, at connect time: the
// agent's `lookup` answers only public addresses, so the socket connects to an address that was
// checked (a literal-IP host skips lookup, so it is checked before the request). Redirects are
// never followed (undici's `request` does not follow them): a 3xx is a failed attempt.

export const DELIVERY_TIMEOUT_MS = 10_000;

export interface DeliveryOutcome {
  ok: boolean;
  /** The HTTP status, or null when no answer came. */
  status: number | null;
  /** Why the attempt failed (no URL, body or secret in it); null when ok. */
  error: string | null;
  /** False when trying again cannot help (the URL is refused by the SSRF rules). */
  retryable: boolean;
}

export interface WebhookSenderOptions {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: no address checks. */
  allowPrivate: boolean;
  /** The resolver behind the connect-time check (dns.lookup by default). */
  lookup?: LookupFunction;
  /** Covers connecting, the headers and the body of the answer. */
  timeoutMs?: number;
}

export interface WebhookMessage {
  url: string;
  webhookId: string;
  payload: string;
  secret: string;
}

function refusedIn(error: unknown): Error | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    if (isWebhookUrlRefused(e)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: unknown; code?: unknown; message?: unknown };
  if (e?.name === "TimeoutError" || e?.name === "AbortError" || /Timeout/.test(String(e?.code))) {
    return `no answer within ${timeoutMs} ms`;
  }
  const code = typeof e?.code === "string" ? `${e.code}: ` : "";
  return (code + (typeof e?.message === "string" ? e.message : "request failed")).slice(0, 300);
}

export function createWebhookSender(options: WebhookSenderOptions) {
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const agent = new Agent({
    connect: {
      timeout: timeoutMs,
      ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup(options.lookup) }),
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  async function send(message: WebhookMessage): Promise<DeliveryOutcome> {
    if (!options.allowPrivate) {
      try {
        checkUrlShape(message.url);
      } catch (error) {
        return { ok: false, status: null, error: (error as Error).message, retryable: false };
      }
    }
    try {
      const res = await request(message.url, {
        method: "POST",
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          "content-type": "application/json",
          "user-agent": "qforge-webhooks/1",
          ...signatureHeaders(message.secret, message.webhookId, message.payload),
        },
        body: message.payload,
      });
      // The answer's body is not used; read a little of it so the connection can be reused.
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      let error: string | null = null;
      if (!ok) {
        error =
          res.statusCode >= 300 && res.statusCode < 400
            ? `redirect (HTTP ${res.statusCode}) not followed`
            : `HTTP ${res.statusCode}`;
      }
      return { ok, status: res.statusCode, error, retryable: true };
    } catch (error) {
      const refused = refusedIn(error);
      if (refused) return { ok: false, status: null, error: refused.message, retryable: false };
      return { ok: false, status: null, error: describe(error, timeoutMs), retryable: true };
    }
  }

  return {
    send,
    close: () => agent.close(),
  };
}
export type WebhookSender = ReturnType<typeof createWebhookSender>;
