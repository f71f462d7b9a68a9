import { z } from "zod";
import {
  BatchMetadata,
  BatchPage,
  BatchView,
  CreateBatchBody,
  GenerateBody,
  GenerateRequest,
  JobPage,
  JobView,
  ListBatchesQuery,
  ListJobsQuery,
  ProblemView,
  ProvidersView,
  QuestionView,
  WaitQuery,
  WebhookDeliveryList,
  WebhookSecretView,
  WebhookUrl,
} from "@qforge/schemas";

// GET /openapi.json: OpenAPI 3.1 generated from the zod schemas the API validates requests with
// (packages/schemas), so the document and the validation cannot drift apart. Request bodies are
// converted as zod's *input* (what a client sends), responses as its *output*.
// test/openapi.test.ts checks that the request schemas here are the ones the API enforces and
// that every route the app serves is in this document.

type Method = "get" | "post";

interface Operation {
  method: Method;
  /** OpenAPI path template, e.g. /api/v1/batches/{id} */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** No bearer auth and no rate limit. */
  public?: boolean;
  body?: string;
  query?: z.ZodObject;
  /** Per query parameter, what the schema cannot say (e.g. an integer given as a string). */
  queryExtra?: Record<string, object>;
  responses: Record<string, Response>;
}

type Response =
  | { description: string; schema: string; location?: boolean; contentType?: string }
  | { description: string; content: Record<string, object> }
  | { ref: string };

const problem = (name: string): Response => ({ ref: `#/components/responses/${name}` });
const common = { "400": problem("Invalid"), "401": problem("Unauthorized") };
const tooMany = { "429": problem("TooManyRequests"), "503": problem("Unavailable") };
const notFound = { "404": problem("NotFound") };
const idempotent = {
  "409": problem("IdempotencyInProgress"),
  "422": problem("IdempotencyKeyReused"),
};
/** Cancel and retry: 409 also when the batch or job is in a state that does not allow it. */
const control = { ...idempotent, "409": problem("StateConflict") };

/** Every route of the contract (CONTRACT.md, HTTP API), in its order. */
export const OPERATIONS: readonly Operation[] = [
  {
    method: "post",
    path: "/api/v1/questions/generate",
    operationId: "generateQuestions",
    summary: "Queue one generation job (optionally wait up to 30 s for it to end)",
    tag: "jobs",
    body: "GenerateBody",
    query: WaitQuery,
    queryExtra: {
      wait: {
        type: "integer",
        minimum: 0,
        maximum: 30,
        description: "seconds to wait for the job to end",
      },
    },
    responses: {
      "200": { description: "the job ended within `wait` seconds", schema: "Job" },
      "202": { description: "queued", schema: "Job", location: true },
      ...common,
      ...idempotent,
      "413": problem("TooLarge"),
      "415": problem("UnsupportedMediaType"),
      ...tooMany,
    },
  },
  {
    method: "post",
    path: "/api/v1/batches",
    operationId: "createBatch",
    summary: "Queue a batch of 1..10,000 generation requests",
    tag: "batches",
    body: "CreateBatchBody",
    responses: {
      "202": { description: "queued", schema: "Batch", location: true },
      ...common,
      ...idempotent,
      "413": problem("TooLarge"),
      "415": problem("UnsupportedMediaType"),
      ...tooMany,
    },
  },
  {
    method: "get",
    path: "/api/v1/batches",
    operationId: "listBatches",
    summary: "The caller's batches, newest first",
    tag: "batches",
    query: ListBatchesQuery,
    responses: { "200": { description: "a page", schema: "BatchPage" }, ...common, ...tooMany },
  },
  {
    method: "get",
    path: "/api/v1/batches/{id}",
    operationId: "getBatch",
    summary: "A batch",
    tag: "batches",
    responses: {
      "200": { description: "the batch", schema: "Batch" },
      ...common,
      ...notFound,
      ...tooMany,
    },
  },
  {
    method: "get",
    path: "/api/v1/batches/{id}/jobs",
    operationId: "listBatchJobs",
    summary: "A batch's jobs in item order",
    tag: "batches",
    query: ListJobsQuery,
    responses: {
      "200": { description: "a page", schema: "JobPage" },
      ...common,
      ...notFound,
      ...tooMany,
    },
  },
  {
    method: "post",
    path: "/api/v1/batches/{id}/cancel",
    operationId: "cancelBatch",
    summary: "Cancel a batch: queued jobs at once; active ones make no further call",
    tag: "batches",
    responses: {
      "200": { description: "the batch", schema: "Batch" },
      ...common,
      ...notFound,
      ...control,
      ...tooMany,
    },
  },
  {
    method: "post",
    path: "/api/v1/batches/{id}/retry",
    operationId: "retryBatch",
    summary: "Queue the batch's failed jobs again",
    tag: "batches",
    responses: {
      "200": { description: "the batch", schema: "Batch" },
      ...common,
      ...notFound,
      ...control,
      ...tooMany,
    },
  },
  {
    method: "get",
    path: "/api/v1/batches/{id}/events",
    operationId: "batchEvents",
    summary: "Progress as Server-Sent Events",
    tag: "batches",
    responses: {
      "200": {
        description:
          "`event: progress` with the Batch on connect and whenever it changes; `event: end` " +
          "with the final Batch once it is completed or cancelled, then the stream closes. " +
          "Comment lines keep idle connections open.",
        content: {
          "text/event-stream": {
            schema: { type: "string" },
            "x-itemSchema": {
              type: "object",
              properties: {
                event: { enum: ["progress", "end"] },
                data: { $ref: "#/components/schemas/Batch", contentMediaType: "application/json" },
              },
            },
          },
        },
      },
      ...common,
      ...notFound,
      ...tooMany,
    },
  },
  {
    method: "get",
    path: "/api/v1/batches/{id}/webhooks",
    operationId: "listBatchWebhooks",
    summary: "Webhook deliveries of a batch",
    tag: "webhooks",
    responses: {
      "200": { description: "the deliveries", schema: "WebhookDeliveryList" },
      ...common,
      ...notFound,
      ...tooMany,
    },
  },
  {
    method: "get",
    path: "/api/v1/jobs/{id}",
    operationId: "getJob",
    summary: "A job",
    tag: "jobs",
    responses: {
      "200": { description: "the job", schema: "Job" },
      ...common,
      ...notFound,
      ...tooMany,
    },
  },
  {
    method: "post",
    path: "/api/v1/jobs/{id}/cancel",
    operationId: "cancelJob",
    summary: "Cancel one queued job",
    tag: "jobs",
    responses: {
      "200": { description: "the job", schema: "Job" },
      ...common,
      ...notFound,
      ...control,
      ...tooMany,
    },
  },
  {
    method: "get",
    path: "/api/v1/jobs/{id}/webhooks",
    operationId: "listJobWebhooks",
    summary: "Webhook deliveries of a lone job",
    tag: "webhooks",
    responses: {
      "200": { description: "the deliveries", schema: "WebhookDeliveryList" },
      ...common,
      ...notFound,
      ...tooMany,
    },
  },
  {
    method: "get",
    path: "/api/v1/providers",
    operationId: "listProviders",
    summary: "Configured providers: keys, breakers, health, usage, alerts",
    tag: "providers",
    responses: { "200": { description: "providers", schema: "Providers" }, ...common, ...tooMany },
  },
  {
    method: "get",
    path: "/api/v1/webhook-secret",
    operationId: "getWebhookSecret",
    summary: "The caller's webhook signing secret",
    tag: "webhooks",
    responses: {
      "200": { description: "the secret", schema: "WebhookSecret" },
      ...common,
      ...tooMany,
    },
  },
  {
    method: "get",
    path: "/healthz",
    operationId: "healthz",
    summary: "Liveness",
    tag: "operations",
    public: true,
    responses: {
      "200": {
        description: "alive",
        content: {
          "application/json": { schema: { type: "object", properties: { status: {} } } },
        },
      },
    },
  },
  {
    method: "get",
    path: "/readyz",
    operationId: "readyz",
    summary: "Readiness: Redis and Postgres reachable",
    tag: "operations",
    public: true,
    responses: {
      "200": {
        description: "ready",
        content: {
          "application/json": {
            schema: { type: "object", properties: { status: {}, checks: { type: "object" } } },
          },
        },
      },
      "503": problem("Unavailable"),
    },
  },
  {
    method: "get",
    path: "/metrics",
    operationId: "metrics",
    summary: "Prometheus metrics (names prefixed qforge_)",
    tag: "operations",
    public: true,
    responses: {
      "200": {
        description: "Prometheus text exposition format",
        content: { "text/plain; version=0.0.4": { schema: { type: "string" } } },
      },
    },
  },
  {
    method: "get",
    path: "/openapi.json",
    operationId: "openapi",
    summary: "This document",
    tag: "operations",
    public: true,
    responses: {
      "200": {
        description: "OpenAPI 3.1",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
  },
  {
    method: "get",
    path: "/admin/queues",
    operationId: "bullBoard",
    summary: "Bull Board (HTML); off unless ADMIN_PASSWORD is set",
    tag: "operations",
    public: true,
    responses: {
      "200": { description: "the dashboard", content: { "text/html": { schema: {} } } },
      "401": { description: "basic auth credentials missing or wrong", content: {} },
      "404": { description: "Bull Board is off (no ADMIN_PASSWORD)", content: {} },
    },
  },
];

/** Schemas clients send: converted as zod's input. */
const REQUEST_SCHEMAS = { GenerateRequest, GenerateBody, CreateBatchBody };
/** Schemas the API answers with: converted as zod's output. */
const RESPONSE_SCHEMAS = {
  Question: QuestionView,
  Job: JobView,
  Batch: BatchView,
  BatchPage,
  JobPage,
  Problem: ProblemView,
  Providers: ProvidersView,
  WebhookDeliveryList,
  WebhookSecret: WebhookSecretView,
};

type JsonSchema = Record<string, unknown>;

/** What JSON Schema cannot say by itself about some of our schemas. */
function override(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const s = ctx.jsonSchema;
  // z.number().int() adds the safe-integer range: true, but noise in a document.
  if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
  if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
  if (ctx.zodSchema === WebhookUrl) {
    s.format = "uri";
    s.description =
      "an absolute http(s) URL; private, loopback and link-local addresses are refused";
  }
  if (ctx.zodSchema === BatchMetadata) {
    // Its input is checked as `unknown` first (to refuse `__proto__`): document what passes.
    for (const k of Object.keys(s)) delete s[k];
    Object.assign(s, z.toJSONSchema(BatchMetadata, { io: "output" }), {
      maxProperties: 16,
      description: "up to 16 string values, stored with the batch",
    });
    delete s.$schema;
  }
}

function convert(
  schemas: Record<string, z.ZodType>,
  io: "input" | "output",
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    uri: (id) => `#/components/schemas/${id}`,
    override: override as never,
  }) as { schemas: Record<string, JsonSchema> };
  for (const s of Object.values(out.schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return out.schemas;
}

/** A request schema as the document holds it (for the drift test). */
export function requestJsonSchema(schema: z.ZodType): JsonSchema {
  const s = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", override } as never);
  delete (s as JsonSchema).$schema;
  return s as JsonSchema;
}

function queryParameters(op: Operation): object[] {
  if (!op.query) return [];
  const schema = z.toJSONSchema(op.query, {
    target: "draft-2020-12",
    io: "output",
    override: override as never,
  }) as { properties?: Record<string, JsonSchema> };
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    in: "query",
    required: false,
    schema: { ...s, ...(op.queryExtra?.[name] ?? {}) },
  }));
}

function response(r: Response): object {
  if ("ref" in r) return { $ref: r.ref };
  if ("content" in r) return { description: r.description, content: r.content };
  return {
    description: r.description,
    ...(r.location
      ? {
          headers: {
            location: { description: "the new resource", schema: { type: "string" } },
            "idempotent-replayed": { $ref: "#/components/headers/IdempotentReplayed" },
          },
        }
      : {}),
    content: {
      [r.contentType ?? "application/json"]: {
        schema: { $ref: `#/components/schemas/${r.schema}` },
      },
    },
  };
}

const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

export function buildOpenApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const op of OPERATIONS) {
    const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string", format: "uuid" },
    }));
    const idempotencyHeader =
      op.method === "post" && op.path.startsWith("/api/v1/")
        ? [{ $ref: "#/components/parameters/IdempotencyKey" }]
        : [];
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      ...(op.public ? { security: [] } : {}),
      ...(op.path === "/admin/queues" ? { security: [{ basicAuth: [] }] } : {}),
      parameters: [...pathParams, ...queryParameters(op), ...idempotencyHeader],
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: {
                "application/json": { schema: { $ref: `#/components/schemas/${op.body}` } },
              },
            },
          }
        : {}),
      responses: Object.fromEntries(Object.entries(op.responses).map(([k, v]) => [k, response(v)])),
    };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "qforge",
      version: "1.0.0",
      description:
        "Generates interview questions with LLMs, one job or batches of up to 10,000. JSON, " +
        "snake_case. Errors are application/problem+json (RFC 9457). Past API_RATE_LIMIT " +
        "requests per minute per key: 429 with retry-after.",
    },
    servers: [{ url: "/" }],
    security: [{ bearerAuth: [] }],
    tags: ["jobs", "batches", "webhooks", "providers", "operations"].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...convert(REQUEST_SCHEMAS, "input"), ...convert(RESPONSE_SCHEMAS, "output") },
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "one of API_KEYS; each key is a tenant",
        },
        basicAuth: { type: "http", scheme: "basic", description: "ADMIN_USER / ADMIN_PASSWORD" },
      },
      parameters: {
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description:
            "Same key and same body (as parsed JSON) within 24 h: the original status and body " +
            "again, with `idempotent-replayed: true`. Same key, other body: 422. While the " +
            "first is still being processed: 409. Scoped per tenant and route.",
          schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7e]+$" },
        },
      },
      headers: {
        IdempotentReplayed: {
          description: "`true` on an answer replayed for a repeated Idempotency-Key",
          schema: { type: "string", enum: ["true"] },
        },
      },
      responses: {
        Invalid: problemResponse("invalid input; `errors` names each offending value"),
        Unauthorized: problemResponse("missing or unknown API key"),
        NotFound: problemResponse("a malformed or unknown id (or another tenant's)"),
        TooLarge: problemResponse("body over 16 MiB"),
        UnsupportedMediaType: problemResponse("body is not application/json"),
        IdempotencyInProgress: problemResponse(
          "a request with this Idempotency-Key is still being processed",
        ),
        IdempotencyKeyReused: problemResponse("this Idempotency-Key was used with another body"),
        StateConflict: problemResponse(
          "the batch or job is not in a state that allows this (e.g. it has ended), or a " +
            "request with this Idempotency-Key is still being processed",
        ),
        TooManyRequests: {
          ...problemResponse("more than API_RATE_LIMIT requests per minute for this key"),
          headers: { "retry-after": { description: "seconds", schema: { type: "integer" } } },
        },
        Unavailable: {
          ...problemResponse("Redis or Postgres unreachable"),
          headers: { "retry-after": { description: "seconds", schema: { type: "integer" } } },
        },
      },
    },
  };
}

const TEMPLATES = OPERATIONS.map((op) => ({
  template: op.path,
  pattern: new RegExp("^" + op.path.replace(/\{\w+\}/g, "[^/]+") + "/?$"),
}));

/**
 * The documented route template a request path falls under (for metrics labels: bounded
 * cardinality), or undefined.
 */
export function routeTemplate(path: string): string | undefined {
  if (path === "/admin/queues" || path.startsWith("/admin/queues/")) return "/admin/queues";
  return TEMPLATES.find((t) => t.pattern.test(path))?.template;
}
