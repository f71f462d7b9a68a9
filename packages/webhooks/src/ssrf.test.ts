import type { LookupAddress } from "node:dns";
import { describe, expect, test } from "vitest";
import { addressRange, isPublicAddress } from "./address.ts";
import {
  checkUrlShape,
  checkWebhookUrl,
  isWebhookUrlRefused,
  publicOnlyLookup,
  type LookupFunction,
} from "./ssrf.ts";

// The SSRF rules without the network: literal addresses in every notation, names, and the
// resolver injected (the integration test in test/ssrf.test.ts uses the system's resolver).

/** A resolver answering from a table; unknown names fail as getaddrinfo does. */
function resolver(table: Record<string, string[]>): LookupFunction & { asked: string[] } {
  const asked: string[] = [];
  const fn: LookupFunction = (hostname, options, callback) => {
    asked.push(hostname);
    const list = table[hostname];
    if (!list) {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: "ENOTFOUND",
      });
      setImmediate(() => callback(err, "", 0));
      return;
    }
    const answers: LookupAddress[] = list.map((address) => ({
      address,
      family: address.includes(":") ? 6 : 4,
    }));
    setImmediate(() =>
      options.all
        ? callback(null, answers)
        : callback(null, answers[0]!.address, answers[0]!.family),
    );
  };
  return Object.assign(fn, { asked });
}

describe("literal addresses", () => {
  // Each is written the way an attacker might; WHATWG URL parsing canonicalises the IPv4 forms.
  const refused: [string, string][] = [
    ["http://127.0.0.1/", "loopback"],
    ["http://127.255.255.254:8080/x", "loopback"],
    ["http://2130706433/", "loopback"], // decimal
    ["http://0177.0.0.1/", "loopback"], // octal
    ["http://0x7f.1/", "loopback"], // hex, short
    ["http://0x7f000001/", "loopback"],
    ["http://127.1/", "loopback"], // short
    ["http://[::1]/", "loopback"],
    ["http://[0:0:0:0:0:0:0:1]/", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "loopback"], // IPv4-mapped IPv6
    ["http://[::ffff:7f00:1]/", "loopback"],
    ["http://[::ffff:10.0.0.1]/", "private"],
    ["http://10.1.2.3/", "private"],
    ["http://172.16.0.1/", "private"],
    ["http://172.31.255.255/", "private"],
    ["http://192.168.1.1/", "private"],
    ["http://169.254.169.254/latest/meta-data/", "linkLocal"], // cloud metadata
    ["http://[fe80::1]/", "linkLocal"],
    ["http://[fd00::1]/", "uniqueLocal"],
    ["http://[fc00::1]/", "uniqueLocal"],
    ["http://100.64.0.1/", "carrierGradeNat"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://0/", "unspecified"],
    ["http://[::]/", "unspecified"],
    ["http://224.0.0.1/", "multicast"],
    ["http://[ff02::1]/", "multicast"],
    ["http://255.255.255.255/", "broadcast"],
    ["http://240.0.0.1/", "reserved"],
    ["http://192.0.2.1/", "reserved"], // documentation
    ["http://198.18.0.1/", "reserved"], // benchmarking
    ["http://[2001:db8::1]/", "reserved"],
    ["http://[64:ff9b::7f00:1]/", "rfc6052"], // NAT64 around 127.0.0.1
    ["http://[2002:7f00:1::]/", "6to4"],
    ["http://[::7f00:1]/", "ipv4Compatible"], // IPv4-compatible ::127.0.0.1
  ];
  test.each(refused)("%s is refused (%s)", (url, range) => {
    const host = new URL(url).hostname;
    expect(addressRange(host)).toBe(range);
    expect(() => checkUrlShape(url)).toThrow(/not a public address/);
  });

  test.each([
    "http://93.184.216.34/hook",
    "https://8.8.8.8:8443/",
    "http://[2606:4700:4700::1111]/",
    "http://[::ffff:93.184.216.34]/",
  ])("%s is allowed", (url) => {
    expect(checkUrlShape(url).literal).toBe(true);
  });

  test("zone ids and other malformed hosts are not URLs at all", () => {
    for (const url of ["http://[fe80::1%25eth0]/", "http://[fe80::1%eth0]/", "http://[::1/"]) {
      expect(() => checkUrlShape(url)).toThrow(/not a valid absolute URL/);
    }
  });

  test("isPublicAddress is true only for public unicast", () => {
    expect(isPublicAddress("1.1.1.1")).toBe(true);
    expect(isPublicAddress("127.0.0.1")).toBe(false);
    expect(isPublicAddress("not an address")).toBe(false);
  });
});

describe("names", () => {
  test.each([
    "http://localhost/",
    "http://LOCALHOST:3000/",
    "http://localhost./",
    "http://api.localhost/",
    "http://a.b.localhost./x",
  ])("%s is refused without asking DNS", async (url) => {
    const lookup = resolver({});
    await expect(checkWebhookUrl(url, { allowPrivate: false, lookup })).rejects.toThrow(
      /loopback name/,
    );
    expect(lookup.asked).toEqual([]);
  });

  test.each(["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)"])(
    "%s: only http(s)",
    async (url) => {
      await expect(checkWebhookUrl(url, { allowPrivate: false })).rejects.toThrow(/http or https/);
      // The scheme rule holds even when private networks are allowed.
      await expect(checkWebhookUrl(url, { allowPrivate: true })).rejects.toThrow(/http or https/);
    },
  );

  const lookup = resolver({
    "hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"],
    "rebind.example.com": ["93.184.216.34", "127.0.0.1"],
    "internal.example.com": ["10.0.0.7"],
    "v6.example.com": ["::1"],
    "metadata.example.com": ["169.254.169.254"],
  });

  test("a name resolving only to public addresses is allowed", async () => {
    await expect(
      checkWebhookUrl("https://hooks.example.com/x", { allowPrivate: false, lookup }),
    ).resolves.toBeUndefined();
    // A trailing dot is the same name.
    await expect(
      checkWebhookUrl("https://HOOKS.example.com./x", { allowPrivate: false, lookup }),
    ).resolves.toBeUndefined();
  });

  test.each([
    ["rebind.example.com", /127\.0\.0\.1/], // any one non-public answer is enough
    ["internal.example.com", /10\.0\.0\.7.*private/],
    ["v6.example.com", /::1.*loopback/],
    ["metadata.example.com", /169\.254\.169\.254/],
  ])("%s is refused", async (host, message) => {
    const run = checkWebhookUrl(`https://${host}/`, { allowPrivate: false, lookup });
    await expect(run).rejects.toSatisfy(isWebhookUrlRefused);
    await expect(run).rejects.toThrow(message);
  });

  test("a name that does not resolve is refused", async () => {
    await expect(
      checkWebhookUrl("https://nowhere.example.com/", { allowPrivate: false, lookup }),
    ).rejects.toThrow(/does not resolve/);
  });

  test("a resolver that never answers is a refusal after the timeout, not a hang", async () => {
    const silent: LookupFunction = () => {};
    await expect(
      checkWebhookUrl("https://slow.example.com/", {
        allowPrivate: false,
        lookup: silent,
        timeoutMs: 50,
      }),
    ).rejects.toThrow(/does not resolve/);
  });

  test("WEBHOOK_ALLOW_PRIVATE_NETWORKS lets loopback and private hosts through", async () => {
    for (const url of [
      "http://127.0.0.1:9/",
      "http://localhost/",
      "http://internal.example.com/",
    ]) {
      await expect(checkWebhookUrl(url, { allowPrivate: true, lookup })).resolves.toBeUndefined();
    }
  });
});

describe("publicOnlyLookup (the connect-time check)", () => {
  const lookup = resolver({
    "hooks.example.com": ["93.184.216.34"],
    "rebind.example.com": ["127.0.0.1"],
  });
  const guarded = publicOnlyLookup(lookup);
  const call = (host: string, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown; family?: number }>((resolve) =>
      guarded(host, { all }, (err, address, family) => resolve({ err, address, family })),
    );

  test("passes public answers through, in both callback forms", async () => {
    expect(await call("hooks.example.com", false)).toEqual({
      err: null,
      address: "93.184.216.34",
      family: 4,
    });
    expect((await call("hooks.example.com", true)).address).toEqual([
      { address: "93.184.216.34", family: 4 },
    ]);
  });

  test("fails the connection for a non-public answer", async () => {
    const { err } = await call("rebind.example.com", true);
    expect(isWebhookUrlRefused(err)).toBe(true);
    expect(err?.message).toMatch(/rebind\.example\.com resolves to 127\.0\.0\.1/);
  });

  test("passes resolver errors on", async () => {
    const { err } = await call("nowhere.example.com", false);
    expect((err as NodeJS.ErrnoException).code).toBe("ENOTFOUND");
  });
});
