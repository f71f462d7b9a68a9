import type { ErrorRequestHandler, Response } from "express";
import type { z } from "zod";
import { InvalidCursorError, isStoreUnavailable } from "@qforge/database";
import type { Logger } from "@qforge/logger";
import { issuesToErrors, type ProblemError } from "@qforge/schemas";

// RFC 9457 problem details. Every error leaves the API through here, so no stack trace, SQL or
// secret ever reaches a client.

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: ProblemError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "HttpProblem";
  }
}

export const invalid = (detail: string, errors: ProblemError[]) =>
  new HttpProblem(400, "invalid-request", "Invalid request", detail, errors);

export const notFound = (what: string) =>
  new HttpProblem(404, "not-found", "Not Found", `${what} was not found`);

export const unavailable = (detail = "a backing service (Redis or Postgres) is unreachable") =>
  new HttpProblem(503, "unavailable", "Service Unavailable", detail, undefined, {
    "retry-after": "5",
  });

/** Parses `value` with `schema`, or throws a 400 naming each offending value. */
export function parseOr400<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  pathPrefix = "",
): z.infer<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const errors = issuesToErrors(result.error).map((e) => ({ ...e, path: pathPrefix + e.path }));
  throw invalid(`${what} is invalid`, errors);
}

export function sendProblem(res: Response, p: HttpProblem): void {
  for (const [k, v] of Object.entries(p.headers)) res.setHeader(k, v);
  res
    .status(p.status)
    .type("application/problem+json")
    .json({
      type: `urn:qforge:problem:${p.slug}`,
      title: p.title,
      status: p.status,
      detail: p.detail,
      ...(p.errors ? { errors: p.errors } : {}),
    });
}

/** body-parser's errors, by their `type`, as client errors. */
function bodyParserProblem(error: { type?: unknown; status?: unknown }): HttpProblem | undefined {
  switch (error.type) {
    case "entity.too.large":
      return new HttpProblem(413, "too-large", "Content Too Large", "the body exceeds 16 MiB");
    case "entity.parse.failed":
      return invalid("the body is not valid JSON", [{ path: "", message: "malformed JSON" }]);
    case "encoding.unsupported":
    case "charset.unsupported":
      return new HttpProblem(
        415,
        "unsupported-media-type",
        "Unsupported Media Type",
        "send the body as UTF-8 JSON",
      );
    case "request.aborted":
    case "request.size.invalid":
    case "stream.encoding.set":
    case "stream.not.readable":
      return new HttpProblem(400, "bad-body", "Bad Request", "the body could not be read");
    default:
      return typeof error.status === "number" && error.status >= 400 && error.status < 500
        ? new HttpProblem(error.status, "bad-request", "Bad Request", "the request is malformed")
        : undefined;
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let problem: HttpProblem;
    if (error instanceof HttpProblem) problem = error;
    else if (error instanceof InvalidCursorError) {
      problem = invalid("the cursor is invalid", [{ path: "/cursor", message: error.message }]);
    } else {
      const fromBody = bodyParserProblem(error as { type?: unknown; status?: unknown });
      if (fromBody) problem = fromBody;
      else if (isStoreUnavailable(error)) {
        logger.warn({ err: error, reqId: req.id }, "backing service unavailable");
        problem = unavailable();
      } else {
        logger.error({ err: error, reqId: req.id }, "unhandled error");
        problem = new HttpProblem(500, "internal", "Internal Server Error", "an unexpected error");
      }
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendProblem(res, problem);
  };
}
