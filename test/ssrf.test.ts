import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isPublicAddress } from "@qforge/webhooks";
import { startSystem, type TestSystem } from "./helpers/system.ts";

// Webhook URLs through the API, with the system's own resolver: every non-public target is a
// 400 at submit, and nothing is created. (The resolver is injected in the unit tests of
// packages/webhooks, including the connect-time check.)

let sys: TestSystem;

beforeAll(async () => {
  // No workers: accepted jobs stay queued and nothing is delivered anywhere.
  sys = await startSystem({}, { workers: false });
});
afterAll(async () => {
  await sys?.close();
});

/**
 * A name (not `localhost`) that this machine resolves to a non-public address: from /etc/hosts,
 * else the machine's own name (Debian maps it to 127.0.1.1 or the host's private address).
 */
async function privateName(): Promise<{ name: string; address: string }> {
  let hosts = "";
  try {
    hosts = readFileSync("/etc/hosts", "utf8");
  } catch {
    // no hosts file: the machine's name only
  }
  const names = hosts
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim().split(/\s+/))
    .filter((fields) => fields.length > 1)
    .flatMap((fields) => fields.slice(1));
  for (const name of [...names, hostname()]) {
    const lower = name.toLowerCase();
    if (lower === "localhost" || lower.endsWith(".localhost") || !/^[a-z0-9.-]+$/i.test(name)) {
      continue;
    }
    const answers = await lookup(name, { all: true }).catch(() => []);
    const found = answers.find((a) => !isPublicAddress(a.address));
    if (found) return { name, address: found.address };
  }
  throw new Error(
    "no name on this machine resolves to a non-public address; add one to /etc/hosts",
  );
}

const item = { role: "Backend Engineer", difficulty: "easy", question_count: 1 };

const refused = [
  "ftp://example.com/hook",
  "file:///etc/passwd",
  "http://localhost:8080/hook",
  "http://LOCALHOST./hook",
  "http://hooks.localhost/hook",
  "http://127.0.0.1/hook",
  "http://127.0.0.1:6379/",
  "http://2130706433/hook", // decimal
  "http://0177.0.0.1/hook", // octal
  "http://0x7f.1/hook", // hex, short
  "http://127.1/hook", // short
  "http://0/hook",
  "http://0.0.0.0/hook",
  "http://[::1]/hook",
  "http://[::]/hook",
  "http://[::ffff:127.0.0.1]/hook", // IPv4-mapped IPv6
  "http://[::ffff:169.254.169.254]/",
  "http://[fe80::1%25eth0]/hook", // zone id
  "http://[fe80::1]/hook",
  "http://[fd12:3456::1]/hook",
  "http://10.0.0.1/hook",
  "http://172.16.5.4/hook",
  "http://192.168.1.10/hook",
  "http://169.254.169.254/latest/meta-data/", // cloud metadata
  "http://100.64.1.1/hook", // CGNAT
  "http://224.0.0.251/hook", // multicast
  "http://255.255.255.255/hook",
  "http://user:pass@127.0.0.1/hook",
  "https://no-such-host.invalid/hook", // does not resolve
];

describe("webhook_url refused at submit", () => {
  test.each(refused)("%s", async (url) => {
    for (const [path, body] of [
      ["/api/v1/questions/generate", { ...item, webhook_url: url }],
      ["/api/v1/batches", { items: [item], webhook_url: url }],
    ] as const) {
      const res = await sys.call(path, { method: "POST", body });
      expect(res.status, `${path} ${url}`).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual([{ path: "/webhook_url", message: expect.any(String) }]);
    }
  });

  test("a DNS name that resolves to a loopback or private address", async () => {
    const { name, address } = await privateName();
    const res = await sys.call("/api/v1/questions/generate", {
      method: "POST",
      body: { ...item, webhook_url: `http://${name}:8080/hook` },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toContain(`resolves to ${address}`);
  });

  test("nothing was created by any refused submission", async () => {
    expect(await sys.db.job.count()).toBe(0);
    expect(await sys.db.batch.count()).toBe(0);
  });
});

test("a public address is accepted", async () => {
  const res = await sys.call("/api/v1/questions/generate", {
    method: "POST",
    body: { ...item, webhook_url: "https://93.184.216.34/hook" },
  });
  expect(res.status).toBe(202);
  expect((await sys.db.job.findUnique({ where: { id: res.body.id } }))?.webhookUrl).toBe(
    "https://93.184.216.34/hook",
  );
});
