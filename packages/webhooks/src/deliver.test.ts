import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { Webhook } from "standardwebhooks";
import { createWebhookSender } from "./deliver.ts";
import { deriveTenantSecret, generateMasterSecret } from "./signing.ts";
import { checkWebhookUrl, type LookupFunction } from "./ssrf.ts";

// One delivery attempt against a real HTTP receiver on loopback: signed so standardwebhooks
// verifies it, redirects not followed, timeouts bounded, and the connect-time SSRF check.

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
let server: http.Server;
let base: string;
let port: number;
const received: Received[] = [];
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      answer(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  received.length = 0;
  answer = (_req, res) => res.writeHead(204).end();
});

const master = generateMasterSecret();
const secret = deriveTenantSecret(master, "t_alice");
const message = (url: string) => ({
  url,
  webhookId: "msg_test_1",
  payload: JSON.stringify({ type: "job.completed", timestamp: "2026-11-24T00:00:00Z", data: {} }),
  secret,
});

describe("with private networks allowed (a loopback receiver)", () => {
  const sender = createWebhookSender({ allowPrivate: true, timeoutMs: 1000 });
  afterAll(() => sender.close());

  test("a 2xx is delivered, and standardwebhooks verifies the signature", async () => {
    const outcome = await sender.send(message(`${base}/hook`));
    expect(outcome).toEqual({ ok: true, status: 204, error: null, retryable: true });
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["webhook-id"]).toBe("msg_test_1");
    const headers = {
      "webhook-id": String(got.headers["webhook-id"]),
      "webhook-timestamp": String(got.headers["webhook-timestamp"]),
      "webhook-signature": String(got.headers["webhook-signature"]),
    };
    expect(new Webhook(secret).verify(got.body, headers)).toEqual(JSON.parse(got.body));
    // Another tenant's secret does not verify it.
    expect(() =>
      new Webhook(deriveTenantSecret(master, "t_bob")).verify(got.body, headers),
    ).toThrow();
  });

  test("a redirect is not followed and counts as a failed attempt", async () => {
    answer = (req, res) => {
      if (req.url === "/hook") res.writeHead(307, { location: `${base}/elsewhere` }).end();
      else res.writeHead(200).end();
    };
    const outcome = await sender.send(message(`${base}/hook`));
    expect(outcome).toMatchObject({ ok: false, status: 307, retryable: true });
    expect(outcome.error).toMatch(/redirect/);
    expect(received.map((r) => r.path)).toEqual(["/hook"]);
  });

  test("a 500 is a failed attempt to retry", async () => {
    answer = (_req, res) => res.writeHead(500).end("boom");
    expect(await sender.send(message(`${base}/hook`))).toEqual({
      ok: false,
      status: 500,
      error: "HTTP 500",
      retryable: true,
    });
  });

  test("a receiver that never answers is a timeout, not a hang", async () => {
    answer = () => {};
    const started = Date.now();
    const outcome = await sender.send(message(`${base}/slow`));
    expect(outcome).toMatchObject({ ok: false, status: null, retryable: true });
    expect(outcome.error).toMatch(/no answer within 1000 ms/);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  test("a refused connection is a failed attempt to retry", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const outcome = await sender.send(message(`http://127.0.0.1:${deadPort}/`));
    expect(outcome).toMatchObject({ ok: false, status: null, retryable: true });
    expect(outcome.error).toMatch(/ECONNREFUSED/);
  });
});

describe("with private networks refused", () => {
  test("a literal loopback host is refused before any connection", async () => {
    const sender = createWebhookSender({ allowPrivate: false, timeoutMs: 1000 });
    try {
      const outcome = await sender.send(message(`${base}/hook`));
      expect(outcome).toMatchObject({ ok: false, status: null, retryable: false });
      expect(outcome.error).toMatch(/127\.0\.0\.1 is not a public address/);
      expect(received).toHaveLength(0);
    } finally {
      await sender.close();
    }
  });

  test("a name that resolved public at submit but private at connect is refused", async () => {
    // DNS rebinding: the first answer (at submit) is public, later ones point at the receiver.
    let answers = 0;
    const rebinding: LookupFunction = (_host, options, callback) => {
      const address = answers++ === 0 ? "93.184.216.34" : "127.0.0.1";
      setImmediate(() =>
        options.all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4),
      );
    };
    const url = `http://hooks.rebind.test:${port}/hook`;
    await expect(
      checkWebhookUrl(url, { allowPrivate: false, lookup: rebinding }),
    ).resolves.toBeUndefined();

    const sender = createWebhookSender({ allowPrivate: false, lookup: rebinding, timeoutMs: 1000 });
    try {
      const outcome = await sender.send(message(url));
      expect(outcome).toMatchObject({ ok: false, status: null, retryable: false });
      expect(outcome.error).toMatch(/hooks\.rebind\.test resolves to 127\.0\.0\.1/);
      expect(received).toHaveLength(0);
      expect(answers).toBe(2);
    } finally {
      await sender.close();
    }
  });

  test("the same name resolving to the receiver is delivered when private networks are allowed", async () => {
    // The control for the test above: the injected lookup is what the connection uses.
    const toLoopback: LookupFunction = (_host, options, callback) =>
      setImmediate(() =>
        options.all
          ? callback(null, [{ address: "127.0.0.1", family: 4 }])
          : callback(null, "127.0.0.1", 4),
      );
    const sender = createWebhookSender({ allowPrivate: true, timeoutMs: 1000 });
    const guardedSender = createWebhookSender({
      allowPrivate: false,
      lookup: toLoopback,
      timeoutMs: 1000,
    });
    try {
      expect((await sender.send(message(`http://localhost:${port}/ok`))).ok).toBe(true);
      expect((await guardedSender.send(message(`http://anything.test:${port}/no`))).ok).toBe(false);
      expect(received.map((r) => r.path)).toEqual(["/ok"]);
    } finally {
      await sender.close();
      await guardedSender.close();
    }
  });
});
