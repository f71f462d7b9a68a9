import { createHash, randomUUID } from "node:crypto";
import type { RequestHandler, Response } from "express";
import type { Redis } from "ioredis";
import stringify from "safe-stable-stringify";
import { HttpProblem } from "./problem.ts";

// `Idempotency-Key` on every POST under /api/v1 (CONTRACT.md, Idempotency). The first request
// with a key claims it in Redis (SET NX) as "pending"; its answer replaces the claim just before
// it is sent, so a retry that arrives after the client got the answer always finds it.
//
// - Same key and same body (equal as parsed JSON: key order and spacing do not matter), within
//   24 h: the stored status, body and Location again, marked `idempotent-replayed: true`.
// - Same key, other body: 422. Still pending with the same body: 409.
// - 5xx answers are not stored: the claim is released, so a retry (e.g. once the store that
//   answered 503 is back) runs for real. 2xx and 4xx answers are stored: a 4xx is what this body
//   gets, and replaying it keeps the key's meaning fixed.
// - Keys are scoped per tenant, method and path, and stored hashed under QUEUE_PREFIX.

export const IDEMPOTENCY_HEADER = "idempotency-key";
export const REPLAYED_HEADER = "idempotent-replayed";

const TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a claim may stay pending: longer than any request runs (`?wait=` up to 30 s, a
 * 10,000-item batch a few seconds), short enough that a crashed API frees the key soon.
 */
const PENDING_TTL_MS = 120_000;
/** Printable ASCII, 1..255 characters (the IETF draft's key is a string; we bound it). */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

interface Pending {
  state: "pending";
  fingerprint: string;
  owner: string;
}
interface Done {
  state: "done";
  fingerprint: string;
  status: number;
  contentType: string | undefined;
  location: string | undefined;
  body: unknown;
}
type Entry = Pending | Done;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** The body as canonical JSON (object keys sorted), hashed. */
export function fingerprint(body: unknown): string {
  return sha256(body === undefined ? "<no body>" : (stringify(body) ?? "<no body>"));
}

const idempotencyProblem = (status: 409 | 422, detail: string) =>
  new HttpProblem(
    status,
    status === 409 ? "idempotency-in-progress" : "idempotency-key-reused",
    status === 409 ? "Conflict" : "Unprocessable Content",
    detail,
  );

// Releases a claim only if it is still ours (a pending entry with our owner token).
const RELEASE_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v and string.find(v, ARGV[1], 1, true) then
  local ok, e = pcall(cjson.decode, v)
  if ok and e.state == 'pending' and e.owner == ARGV[1] then return redis.call('DEL', KEYS[1]) end
end
return 0`;

export function idempotency(redis: Redis, queuePrefix: string): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers[IDEMPOTENCY_HEADER];
    if (req.method !== "POST" || header === undefined) {
      next();
      return;
    }
    if (typeof header !== "string" || !VALID_KEY.test(header)) {
      next(
        new HttpProblem(
          400,
          "invalid-idempotency-key",
          "Invalid request",
          "Idempotency-Key must be 1..255 printable ASCII characters",
          [{ path: "", message: "Idempotency-Key: 1..255 printable ASCII characters" }],
        ),
      );
      return;
    }
    const scope = sha256(`${req.method} ${req.baseUrl}${req.path}`);
    const redisKey = `${queuePrefix}:idempotency:${req.tenantId}:${scope}:${sha256(header)}`;
    const print = fingerprint(req.body);
    const owner = randomUUID();
    const pending: Pending = { state: "pending", fingerprint: print, owner };

    try {
      // Two tries: an entry seen by SET NX may expire before the GET that follows it.
      for (let attempt = 0; attempt < 2; attempt++) {
        const claimed = await redis.set(
          redisKey,
          JSON.stringify(pending),
          "PX",
          PENDING_TTL_MS,
          "NX",
        );
        if (claimed === "OK") {
          captureAnswer(res, redis, redisKey, pending);
          next();
          return;
        }
        const raw = await redis.get(redisKey);
        if (raw === null) continue;
        const entry = JSON.parse(raw) as Entry;
        if (entry.fingerprint !== print) {
          throw idempotencyProblem(
            422,
            "this Idempotency-Key was used with a different body; use a new key for a new request",
          );
        }
        if (entry.state === "pending") {
          throw idempotencyProblem(
            409,
            "a request with this Idempotency-Key is still being processed; retry shortly",
          );
        }
        replay(res, entry);
        return;
      }
      throw idempotencyProblem(409, "the Idempotency-Key is changing state; retry shortly");
    } catch (error) {
      next(error);
    }
  };
}

function replay(res: Response, entry: Done): void {
  res.setHeader(REPLAYED_HEADER, "true");
  if (entry.location) res.setHeader("location", entry.location);
  if (entry.contentType) res.setHeader("content-type", entry.contentType);
  res.status(entry.status).send(JSON.stringify(entry.body));
}

/**
 * Wraps `res.json` (every answer of the API goes through it, problems too) so that the answer is
 * stored, or the claim released, before it is sent.
 */
function captureAnswer(res: Response, redis: Redis, redisKey: string, pending: Pending): void {
  const original = res.json.bind(res);
  let settled = false;
  const release = () => {
    if (settled) return Promise.resolve();
    settled = true;
    return redis
      .eval(RELEASE_SCRIPT, 1, redisKey, pending.owner)
      .then(() => undefined)
      .catch(() => undefined); // the claim then expires by itself (PENDING_TTL_MS)
  };

  res.json = (body: unknown) => {
    if (settled) return original(body);
    const status = res.statusCode;
    let work: Promise<void>;
    if (status >= 500) {
      work = release();
    } else {
      settled = true;
      const location = res.getHeader("location");
      const contentType = res.getHeader("content-type");
      const done: Done = {
        state: "done",
        fingerprint: pending.fingerprint,
        status,
        // res.json sets application/json only when no type was set (problems set theirs).
        contentType: typeof contentType === "string" ? contentType : "application/json",
        location: typeof location === "string" ? location : undefined,
        body,
      };
      work = redis
        .set(redisKey, JSON.stringify(done), "PX", TTL_MS)
        .then(() => undefined)
        // Not stored (Redis went away): the claim expires and a retry runs again; the answer
        // itself is still right.
        .catch(() => undefined);
    }
    void work.then(() => {
      if (!res.headersSent && !res.writableEnded) original(body);
    });
    return res;
  };
  // An answer that did not go through res.json (none of ours) cannot be replayed: free the key.
  // A client that goes away does not free it: its request still runs to its answer, which is
  // stored, so the client's retry gets it.
  res.on("finish", () => void release());
}
