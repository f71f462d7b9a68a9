// Every route of the HTTP API, in one place. The abuse tests (test/abuse.test.ts) hit each one
// with arbitrary methods, paths, queries, headers and bodies, and check that it exists. Adding a
// route? Add its row here. `{id}` is a path parameter (a batch id or a job id).

export type BodyShape =
  /** A GenerateRequest (+ webhook_url). */
  | "generate"
  /** `{ items: GenerateRequest[], webhook_url?, metadata? }`. */
  | "batch"
  /** No body expected. */
  | "none";

export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  body: BodyShape;
  /** Answers without an API key (health, readiness, …). */
  public?: boolean;
  /** Answers with a stream that stays open (SSE): read its headers, then let go. */
  stream?: boolean;
  /** What `{id}` names, to fill it with a real id sometimes. */
  id?: "batch" | "job";
}

export const ROUTES: readonly RouteSpec[] = [
  { method: "GET", path: "/healthz", body: "none", public: true },
  { method: "GET", path: "/readyz", body: "none", public: true },
  { method: "GET", path: "/metrics", body: "none", public: true },
  { method: "GET", path: "/openapi.json", body: "none", public: true },
  { method: "GET", path: "/admin/queues", body: "none", public: true },
  { method: "POST", path: "/api/v1/questions/generate", body: "generate" },
  { method: "POST", path: "/api/v1/batches", body: "batch" },
  { method: "GET", path: "/api/v1/batches", body: "none" },
  { method: "GET", path: "/api/v1/batches/{id}", body: "none", id: "batch" },
  { method: "GET", path: "/api/v1/batches/{id}/jobs", body: "none", id: "batch" },
  { method: "POST", path: "/api/v1/batches/{id}/cancel", body: "none", id: "batch" },
  { method: "POST", path: "/api/v1/batches/{id}/retry", body: "none", id: "batch" },
  { method: "GET", path: "/api/v1/batches/{id}/events", body: "none", id: "batch", stream: true },
  { method: "GET", path: "/api/v1/batches/{id}/webhooks", body: "none", id: "batch" },
  { method: "GET", path: "/api/v1/jobs/{id}", body: "none", id: "job" },
  { method: "POST", path: "/api/v1/jobs/{id}/cancel", body: "none", id: "job" },
  { method: "GET", path: "/api/v1/jobs/{id}/webhooks", body: "none", id: "job" },
  { method: "GET", path: "/api/v1/providers", body: "none" },
  { method: "GET", path: "/api/v1/webhook-secret", body: "none" },
];
/** `/api/v1/batches/{batch_id}` → `/api/v1/batches/{}`: templates compare whatever the names. */
export function templateKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/\{[^}]*\}/g, "{}")}`;
}
