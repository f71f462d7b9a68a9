import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startCluster, type Cluster } from "./helpers/cluster.ts";
import { spawnApi, waitForOutput } from "./helpers/processes.ts";
import { connect } from "./helpers/raw-http.ts";
import { eventually } from "./helpers/system.ts";

// Graceful shutdown of a real API process (`node --import tsx apps/api/src/main.ts`): SIGTERM
// stops accepting, fails readiness, answers waiting requests now and drains within
// SHUTDOWN_TIMEOUT_MS; a second signal exits at once.

let c: Cluster;
beforeAll(async () => {
  c = await startCluster();
});
afterAll(async () => {
  await c?.close();
});

describe("API", () => {
  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    return port;
  }

  async function startApiProcess(extra: Record<string, string> = {}) {
    const port = await freePort();
    const api = spawnApi({ ...c.workerEnv, HOST: "127.0.0.1", PORT: String(port), ...extra });
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
      30_000,
    );
    return { api, port };
  }

  test("SIGTERM: waits answer now, readiness fails, no new connection, exit 0", async () => {
    const { api, port } = await startApiProcess({ SHUTDOWN_TIMEOUT_MS: "10000" });
    c.fake.setRoleDefault("Drain", { kind: "hang" });
    const body = JSON.stringify({ role: "Drain", difficulty: "easy", question_count: 1 });
    // A long poll in flight on a job that does not end (its provider call never answers).
    const poll = await connect(port);
    await poll.write(
      `POST /api/v1/questions/generate?wait=25 HTTP/1.1\r\nHost: x\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // A readiness probe half-sent: the connection is busy, so it is not closed as idle.
    const probe = await connect(port);
    await probe.write("GET /readyz HTTP/1.1\r\nHost: x\r\n");
    await eventually(
      async () =>
        (await c.sys.db.job.count({ where: { request: { path: ["role"], equals: "Drain" } } })) > 0,
    );
    // A keep-alive connection, idle between requests.
    const idle = await connect(port);
    await idle.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await idle.responses(1))[0]?.headers.connection).toEqual(["keep-alive"]);
    await new Promise((r) => setTimeout(r, 200));

    const t0 = Date.now();
    api.signal("SIGTERM");
    await waitForOutput(api, "shutting down");
    // Idle keep-alive connections are closed at once.
    await idle.closed;
    expect(Date.now() - t0).toBeLessThan(5000);
    const [answer] = await poll.responses(1);
    expect(answer?.status).toBe(202);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(answer?.headers.connection).toEqual(["close"]);

    await probe.write("\r\n");
    const [ready] = await probe.responses(1);
    expect(ready?.status).toBe(503);
    expect(ready?.headers["content-type"]?.[0]).toMatch(/problem\+json/);
    expect(JSON.parse(ready!.body).detail).toBe("shutting down");
    await probe.closed;

    expect(await api.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(api.logs().find((l) => l.msg === "api stopped")).toMatchObject({ drained: true });
  }, 60_000);

  test("a request that never completes is cut at the bound; a second signal exits at once", async () => {
    const { api, port } = await startApiProcess({ SHUTDOWN_TIMEOUT_MS: "1500" });
    const slow = await connect(port);
    await slow.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const t0 = Date.now();
    api.signal("SIGTERM");
    expect(await api.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1500 + 4000);
    expect(api.logs().find((l) => l.msg === "api stopped")).toMatchObject({ drained: false });
    await slow.closed;

    const again = await startApiProcess({ SHUTDOWN_TIMEOUT_MS: "30000" });
    const held = await connect(again.port);
    await held.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    again.api.signal("SIGTERM");
    await waitForOutput(again.api, "shutting down");
    const t1 = Date.now();
    again.api.signal("SIGTERM");
    expect(await again.api.exited).toBe(1);
    // Far below the 30 s it would otherwise wait (a loaded machine delivers signals slowly).
    expect(Date.now() - t1).toBeLessThan(8000);
    held.destroy();
  }, 60_000);
});
