import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CreateBatchBody, GenerateBody, GenerateRequest } from "@qforge/schemas";
import { requestJsonSchema } from "../apps/api/src/openapi.ts";
import { arbitraryFor, resolveRef } from "./helpers/json-schema-arbitrary.ts";
import { startSystem, type TestSystem } from "./helpers/system.ts";

// /openapi.json against the API it describes: the request schemas in it are the ones the API
// enforces (what the document allows is accepted, what it forbids is refused), and every route
// the app serves is documented.

const KEY = "openapi-key-0001";
let sys: TestSystem;
let doc: any;

beforeAll(async () => {
  // Workers off: accepted samples stay queued; only acceptance is checked here.
  sys = await startSystem(
    {
      API_KEYS: KEY,
      ADMIN_PASSWORD: "openapi-admin-pw",
      // Configured (so GET /providers lists it) but never called: no workers here.
      GROQ_API_KEY: "gsk_fake_openapi_key_000000000000",
      GROQ_BASE_URL: "http://127.0.0.1:9",
    },
    { workers: false },
  );
  const res = await fetch(`${sys.api.url}/openapi.json`); // public: no key
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(async () => {
  await sys?.close();
});

const CONTRACT_ROUTES = [
  "post /api/v1/questions/generate",
  "post /api/v1/batches",
  "get /api/v1/batches",
  "get /api/v1/batches/{id}",
  "get /api/v1/batches/{id}/jobs",
  "post /api/v1/batches/{id}/cancel",
  "post /api/v1/batches/{id}/retry",
  "get /api/v1/batches/{id}/events",
  "get /api/v1/batches/{id}/webhooks",
  "get /api/v1/jobs/{id}/webhooks",
  "get /api/v1/jobs/{id}",
  "post /api/v1/jobs/{id}/cancel",
  "get /api/v1/providers",
  "get /api/v1/webhook-secret",
  "get /healthz",
  "get /readyz",
  "get /metrics",
  "get /openapi.json",
  "get /admin/queues",
];

const documented = () =>
  Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method} ${path}`),
  );

test("OpenAPI 3.1 with every route of the contract, bearer auth and problem responses", () => {
  expect(doc.openapi).toBe("3.1.0");
  expect(documented().sort()).toEqual([...CONTRACT_ROUTES].sort());
  expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
    type: "http",
    scheme: "bearer",
  });
  expect(doc.security).toEqual([{ bearerAuth: [] }]);
  expect(doc.paths["/healthz"].get.security).toEqual([]);
  expect(doc.components.responses.Invalid.content["application/problem+json"]).toBeDefined();
  const ids = Object.values(doc.paths).flatMap((ops: any) =>
    Object.values(ops).map((op: any) => op.operationId),
  );
  expect(new Set(ids).size).toBe(ids.length);
  // Every $ref points at something.
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
  for (const ref of refs) expect(() => resolveRef(doc, JSON.parse(`{${ref}}`))).not.toThrow();
});

test("the document is valid OpenAPI 3.1 (checked against the official schema)", async () => {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).toEqual([]);
  expect(result.valid).toBe(true);
});

/** Every method and path the Express app answers, from its router stack. */
function servedRoutes(): string[] {
  const app = sys.api.server.listeners("request")[0] as any;
  const out: string[] = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      const at = typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : "";
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          const path = (prefix + layer.route.path).replace(/:(\w+)/g, "{$1}");
          out.push(`${method} ${path}`);
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        walk(layer.handle.stack, prefix + at);
      } else if (layer.name === "mounted_app") {
        out.push(`get ${prefix + at}`); // a sub-application: Bull Board
      }
    }
  };
  walk(app.router.stack, "");
  return out;
}

test("every route the app serves is in the document", () => {
  const served = servedRoutes();
  // Sanity: the walk sees the routes it should.
  expect(served).toContain("post /api/v1/batches");
  expect(served).toContain("get /admin/queues");
  const inDoc = new Set(documented());
  for (const route of served) expect(inDoc, route).toContain(route);
});

test("the request schemas in the document are the API's zod schemas", () => {
  const schemas = doc.components.schemas;
  expect(schemas.GenerateBody).toEqual(requestJsonSchema(GenerateBody));
  expect(schemas.GenerateRequest).toEqual(requestJsonSchema(GenerateRequest));
  // CreateBatchBody refers to GenerateRequest instead of repeating it.
  const { items, ...rest } = schemas.CreateBatchBody.properties;
  const direct = requestJsonSchema(CreateBatchBody) as any;
  expect(items.items).toEqual({ $ref: "#/components/schemas/GenerateRequest" });
  const { items: directItems, ...directRest } = direct.properties;
  expect(rest).toEqual(directRest);
  expect(resolveRef(doc, items.items)).toEqual({ ...directItems.items });
  const route = doc.paths["/api/v1/batches"].post;
  expect(route.requestBody.content["application/json"].schema.$ref).toBe(
    "#/components/schemas/CreateBatchBody",
  );
});

const post = (path: string, body: unknown) => sys.call(path, { method: "POST", key: KEY, body });

// webhook_url is left out: the API resolves its host through DNS (SSRF check).
const options = { skip: new Set(["webhook_url"]), maxItems: 3 };

test("what the document allows, the API accepts", async () => {
  const routes = [
    ["/api/v1/questions/generate", "GenerateBody"],
    ["/api/v1/batches", "CreateBatchBody"],
  ] as const;
  for (const [path, name] of routes) {
    const arbitrary = arbitraryFor(doc, doc.components.schemas[name], options);
    await fc.assert(
      fc.asyncProperty(arbitrary, async (body) => {
        const res = await post(path, body);
        expect(res.status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(
          202,
        );
      }),
      { numRuns: 25 },
    );
  }
});

/** Bodies just outside what `schema` allows, each a change to a valid `sample`. */
function violations(schema: any, sample: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const name of schema.required ?? []) {
    const { [name]: _gone, ...rest } = sample;
    out.push([`without ${name}`, rest]);
  }
  if (schema.additionalProperties === false) {
    out.push(["an unknown field", { ...sample, not_in_the_document: true }]);
  }
  for (const [name, raw] of Object.entries<any>(schema.properties ?? {})) {
    const p = resolveRef(doc, raw);
    const set = (v: unknown) =>
      out.push([`${name} = ${JSON.stringify(v)}`, { ...sample, [name]: v }]);
    if (p.type === "integer") {
      if (p.maximum !== undefined) set(p.maximum + 1);
      if (p.minimum !== undefined) set(p.minimum - 1);
      set(1.5);
      set(String(p.minimum ?? 1));
    }
    if (p.type === "string" && p.maxLength !== undefined && p.format === undefined) {
      set("a".repeat(p.maxLength + 1));
    }
    if (p.type === "string" && p.minLength !== undefined) set("");
    if (p.enum) set("not-one-of-them");
    if (p.type === "boolean") set("true");
    if (p.type === "array" && p.maxItems !== undefined && p.maxItems <= 100) {
      set(Array.from({ length: p.maxItems + 1 }, (_, i) => `value ${i}`));
    }
    if (p.type === "object" && p.maxProperties !== undefined) {
      set(
        Object.fromEntries(Array.from({ length: p.maxProperties + 1 }, (_, i) => [`k${i}`, "v"])),
      );
    }
  }
  return out;
}

test("what the document forbids, the API refuses with 400, creating nothing", async () => {
  const generate = { role: "Analyst", difficulty: "easy", question_count: 2, categories: ["A"] };
  const batch = { items: [generate], metadata: { team: "x" } };
  const cases = [
    ...violations(doc.components.schemas.GenerateBody, generate).map(
      ([what, body]) => ["/api/v1/questions/generate", what, body] as const,
    ),
    ...violations(doc.components.schemas.CreateBatchBody, batch).map(
      ([what, body]) => ["/api/v1/batches", what, body] as const,
    ),
    ...violations(doc.components.schemas.GenerateRequest, generate).map(
      ([what, item]) => ["/api/v1/batches", `item ${what}`, { items: [item] }] as const,
    ),
  ];
  expect(cases.length).toBeGreaterThan(20);
  const before = await sys.db.job.count();
  for (const [path, what, body] of cases) {
    const res = await post(path, body);
    expect(res.status, `${path}: ${what}`).toBe(400);
  }
  expect(await sys.db.job.count()).toBe(before);
});

test("the API's answers match the response schemas in the document", async () => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(doc, "openapi");
  const check = (name: string, value: unknown) => {
    const validate = ajv.getSchema(`openapi#/components/schemas/${name}`);
    if (!validate) throw new Error(`no schema ${name}`);
    expect(validate(value), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
  };
  const generate = { role: "Analyst", difficulty: "easy", question_count: 2, categories: ["SQL"] };
  const job = await post("/api/v1/questions/generate", generate);
  check("Job", job.body);
  const batch = await post("/api/v1/batches", { items: [generate], metadata: { team: "t" } });
  check("Batch", batch.body);
  check("Batch", (await sys.call(`/api/v1/batches/${batch.body.id}`, { key: KEY })).body);
  check("Job", (await sys.call(`/api/v1/jobs/${job.body.id}`, { key: KEY })).body);
  check("BatchPage", (await sys.call("/api/v1/batches?limit=2", { key: KEY })).body);
  const jobs = await sys.call(`/api/v1/batches/${batch.body.id}/jobs`, { key: KEY });
  check("JobPage", jobs.body);
  const providers = await sys.call("/api/v1/providers", { key: KEY });
  expect(providers.status).toBe(200);
  expect(providers.body.data.length).toBeGreaterThan(0);
  check("Providers", providers.body);
  check("WebhookSecret", (await sys.call("/api/v1/webhook-secret", { key: KEY })).body);
  const deliveries = await sys.call(`/api/v1/batches/${batch.body.id}/webhooks`, { key: KEY });
  check("WebhookDeliveryList", deliveries.body);
  check(
    "WebhookDeliveryList",
    (await sys.call(`/api/v1/jobs/${job.body.id}/webhooks`, { key: KEY })).body,
  );
  const cancelledJob = await post(`/api/v1/jobs/${job.body.id}/cancel`, undefined);
  expect(cancelledJob.status).toBe(200);
  check("Job", cancelledJob.body);
  const cancelled = await post(`/api/v1/batches/${batch.body.id}/cancel`, undefined);
  expect(cancelled.status).toBe(200);
  check("Batch", cancelled.body);
  const retried = await post(`/api/v1/batches/${batch.body.id}/retry`, undefined);
  expect(Object.keys(doc.paths["/api/v1/batches/{id}/retry"].post.responses)).toContain(
    String(retried.status),
  );
  check(retried.status < 300 ? "Batch" : "Problem", retried.body);
  for (const res of [
    await sys.call("/api/v1/jobs/not-an-id", { key: KEY }),
    await sys.call("/api/v1/batches"),
    await post("/api/v1/batches", { items: [] }),
  ]) {
    expect(res.status).toBeGreaterThanOrEqual(400);
    check("Problem", res.body);
  }
});
