export * from "./requests.ts";
export * from "./resources.ts";
export * from "./problems.ts";
export * from "./normalize.ts";
export * from "./webhooks.ts";
export * from "./openapi-views.ts";
