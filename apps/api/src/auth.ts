import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { HttpProblem } from "./problem.ts";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by bearerAuth on every /api/v1 request. */
      tenantId: string;
    }
  }
}

export const ANONYMOUS_TENANT = "anonymous";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** A tenant's id is derived from its key, so the key itself is stored nowhere. */
export const tenantIdFor = (key: string) => "t_" + digest(key).toString("hex").slice(0, 24);

/**
 * Bearer auth: each configured key is a tenant. Keys are compared as SHA-256 digests with
 * timingSafeEqual, against every configured key, so timing reveals neither a key nor its length.
 */
export function bearerAuth(apiKeys: readonly string[] | undefined): RequestHandler {
  if (!apiKeys) {
    return (req, _res, next) => {
      req.tenantId = ANONYMOUS_TENANT;
      next();
    };
  }
  const known = apiKeys.map((k) => ({ digest: digest(k), tenant: tenantIdFor(k) }));
  return (req, _res, next) => {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    let tenant: string | undefined;
    if (match?.[1]) {
      const presented = digest(match[1]);
      for (const k of known) if (timingSafeEqual(presented, k.digest)) tenant ??= k.tenant;
    }
    if (!tenant) {
      next(
        new HttpProblem(
          401,
          "unauthorized",
          "Unauthorized",
          "send a valid API key as `Authorization: Bearer <key>`",
          undefined,
          { "www-authenticate": 'Bearer realm="qforge"' },
        ),
      );
      return;
    }
    req.tenantId = tenant;
    next();
  };
}
