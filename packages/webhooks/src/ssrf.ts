import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { addressRange } from "./address.ts";

// SSRF rules for webhook URLs: http(s) only, and only hosts that are (or resolve only to)
// public unicast addresses. Checked at submit (every A/AAAA answer) and again at connect time,
// where the connection uses exactly the address that was checked (see deliver.ts), so a name
// that changes its answer between the two (DNS rebinding) is caught.

/** dns.lookup's callback form, which is what net/tls `connect({ lookup })` calls. */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (
    err: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
) => void;

export class WebhookUrlRefused extends Error {
  readonly code = "webhook_url_refused" as const;
  constructor(message: string) {
    super(message);
    this.name = "WebhookUrlRefused";
  }
}

export function isWebhookUrlRefused(e: unknown): e is WebhookUrlRefused {
  return e instanceof WebhookUrlRefused;
}

/** The URL's host as a name (lower case, no trailing dot) or an address (no brackets). */
export function hostOf(url: URL): string {
  const h = url.hostname.toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) return h.slice(1, -1);
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

const isLocalhostName = (host: string) => host === "localhost" || host.endsWith(".localhost");

function refusal(host: string, address: string, range: string): WebhookUrlRefused {
  const what = host === address ? address : `${host} resolves to ${address}, which`;
  return new WebhookUrlRefused(
    `${what} is not a public address (${range}); webhooks go to public hosts only`,
  );
}

/** Throws unless `address` is public unicast. */
export function assertPublicAddress(host: string, address: string): void {
  const range = addressRange(address);
  if (range !== "unicast") throw refusal(host, address, range ?? "not an IP address");
}

/**
 * Parses and checks a webhook URL without DNS: scheme, `localhost` names, literal addresses in
 * any notation (WHATWG URL parsing turns `2130706433`, `0x7f.1`, `0177.0.0.1` and `127.1` into
 * 127.0.0.1, and `[::ffff:127.0.0.1]` into `[::ffff:7f00:1]`; it rejects zone ids). Returns the
 * host, and whether it is a literal address (which needs no resolving).
 */
export function checkUrlShape(raw: string): { url: URL; host: string; literal: boolean } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRefused("is not a valid absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new WebhookUrlRefused("must use http or https");
  }
  const host = hostOf(url);
  if (host === "") throw new WebhookUrlRefused("has no host");
  if (isLocalhostName(host)) {
    throw new WebhookUrlRefused(`${host} is a loopback name; webhooks go to public hosts only`);
  }
  const range = addressRange(host);
  if (range !== null) {
    if (range !== "unicast") throw refusal(host, host, range);
    return { url, host, literal: true };
  }
  return { url, host, literal: false };
}

function lookupAll(lookup: LookupFunction, host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    lookup(host, { all: true, verbatim: true }, (err, addresses) => {
      if (err) reject(err);
      else resolve(Array.isArray(addresses) ? addresses : [{ address: addresses, family: 0 }]);
    });
  });
}

export interface UrlCheckOptions {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: only the scheme is checked. */
  allowPrivate: boolean;
  /** The resolver (dns.lookup by default: the system's, /etc/hosts included). */
  lookup?: LookupFunction;
  timeoutMs?: number;
}

/**
 * The submit-time check: throws WebhookUrlRefused (a client error) when the URL is not http(s),
 * names localhost, is a non-public literal, does not resolve, or resolves to any non-public
 * address.
 */
export async function checkWebhookUrl(raw: string, options: UrlCheckOptions): Promise<void> {
  if (options.allowPrivate) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new WebhookUrlRefused("is not a valid absolute URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new WebhookUrlRefused("must use http or https");
    }
    return;
  }
  const { host, literal } = checkUrlShape(raw);
  if (literal) return;
  const lookup = options.lookup ?? (dnsLookup as LookupFunction);
  let timer: NodeJS.Timeout | undefined;
  let addresses: LookupAddress[];
  try {
    addresses = await Promise.race([
      lookupAll(lookup, host),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), options.timeoutMs ?? 5000);
      }),
    ]);
  } catch {
    throw new WebhookUrlRefused(`${host} does not resolve`);
  } finally {
    clearTimeout(timer);
  }
  if (addresses.length === 0) throw new WebhookUrlRefused(`${host} does not resolve`);
  for (const a of addresses) assertPublicAddress(host, a.address);
}

/**
 * A `lookup` for net/tls `connect()` that answers only public addresses: the socket then connects
 * to an address that was checked. A name with any non-public answer fails the connection with
 * WebhookUrlRefused. Handles both forms Node uses (`all: true` with autoSelectFamily, or one).
 */
export function publicOnlyLookup(lookup: LookupFunction = dnsLookup as LookupFunction) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (
      err: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void => {
    lookup(hostname, { ...options, all: true }, (err, result) => {
      if (err) {
        callback(err, "", 0);
        return;
      }
      const list = Array.isArray(result) ? result : [{ address: result, family: 0 }];
      try {
        if (list.length === 0) throw new WebhookUrlRefused(`${hostname} does not resolve`);
        for (const a of list) assertPublicAddress(hostname, a.address);
      } catch (error) {
        callback(error as NodeJS.ErrnoException, "", 0);
        return;
      }
      if (options.all) callback(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
