import { createHash, timingSafeEqual } from "node:crypto";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import type { RequestHandler, Router } from "express";

// Bull Board at /admin/queues, behind HTTP basic auth (ADMIN_USER / ADMIN_PASSWORD). Without a
// password it is not mounted at all (404).
//
// Read-only: Postgres is the record of every job, so removing or retrying a job behind its back
// in Redis would make the two disagree; cancel and retry go through the API.

export const ADMIN_BASE_PATH = "/admin/queues";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Basic auth with both halves compared as SHA-256 digests in constant time. */
export function basicAuth(user: string, password: string, realm = "qforge admin"): RequestHandler {
  const expectedUser = digest(user);
  const expectedPassword = digest(password);
  return (req, res, next) => {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? "");
    let ok = false;
    if (match?.[1]) {
      const decoded = Buffer.from(match[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0) {
        const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), expectedUser);
        const passwordOk = timingSafeEqual(digest(decoded.slice(colon + 1)), expectedPassword);
        ok = userOk && passwordOk;
      }
    }
    if (ok) {
      next();
      return;
    }
    res
      .status(401)
      .setHeader("www-authenticate", `Basic realm="${realm}", charset="UTF-8"`)
      .type("text/plain")
      .send("authentication required");
  };
}

/** Bull Board's router for `queues`, to be mounted at ADMIN_BASE_PATH. */
export function bullBoardRouter(queues: readonly Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(ADMIN_BASE_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: "qforge queues" } },
  });
  return serverAdapter.getRouter() as Router;
}
