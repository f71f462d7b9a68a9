import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import express from "express";
import { afterEach, expect, test } from "vitest";
import { createLogger } from "@qforge/logger";
import { requestLog } from "./request-log.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** An app with the middleware, logging into `lines` at `level`; answers ?status=N with N. */
async function serve(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const app = express();
  app.use(requestLog(createLogger({ level }, stream)));
  app.get("/thing", (req, res) => {
    res.status(Number(req.query.status ?? 200)).json({ id: req.id });
  });
  const server = app.listen(0, "127.0.0.1");
  servers.push(server);
  await new Promise((r) => server.once("listening", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { headers });
    const body = (await res.json()) as { id: string };
    // The line is written when the response closes, just after the client has it.
    await new Promise((r) => setTimeout(r, 20));
    return { id: res.headers.get("x-request-id"), body };
  };
  return { lines, get };
}

test("each request gets an id, answered in x-request-id; a sane client id is kept", async () => {
  const { get } = await serve("info");
  const mine = await get("/thing");
  expect(mine.id).toMatch(UUID);
  expect(mine.body.id).toBe(mine.id);
  expect((await get("/thing", { "x-request-id": "trace-42.a:b" })).id).toBe("trace-42.a:b");
  // Anything else is not echoed back (header injection, unbounded length).
  expect((await get("/thing", { "x-request-id": "has spaces" })).id).toMatch(UUID);
  expect((await get("/thing", { "x-request-id": "x".repeat(101) })).id).toMatch(UUID);
});

test("one line per response, at a level by its status, without headers", async () => {
  const { lines, get } = await serve("info");
  const ok = await get("/thing?status=200", { authorization: "Bearer secret-client-key" });
  await get("/thing?status=404");
  await get("/thing?status=503");
  expect(lines).toEqual([
    expect.objectContaining({
      level: "info",
      msg: "request completed",
      req: { id: ok.id, method: "GET", url: "/thing?status=200" },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    }),
    expect.objectContaining({ level: "warn", res: { statusCode: 404 } }),
    expect.objectContaining({ level: "error", res: { statusCode: 503 } }),
  ]);
  expect(JSON.stringify(lines)).not.toContain("secret-client-key");
});

test("levels below the logger's write nothing", async () => {
  const { lines, get } = await serve("warn");
  await get("/thing?status=200");
  await get("/thing?status=201");
  expect(lines).toEqual([]);
  await get("/thing?status=429");
  expect(lines).toEqual([expect.objectContaining({ level: "warn", res: { statusCode: 429 } })]);
});
