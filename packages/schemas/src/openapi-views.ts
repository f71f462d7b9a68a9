import { z } from "zod";
import { BatchView, JobView } from "./resources.ts";

// Response shapes for the OpenAPI document that no route owner declares elsewhere (pages,
// problems, providers). Webhook views live in webhooks.ts.

const cursorPage = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    next_cursor: z.string().nullable().describe("pass as `cursor` for the next page; null: last"),
  });

export const BatchPage = cursorPage(BatchView);
export const JobPage = cursorPage(JobView);

export const ProblemView = z.object({
  type: z.string().describe("a URN naming the kind of problem, e.g. urn:qforge:problem:not-found"),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z
    .array(
      z.object({
        path: z.string().describe("JSON Pointer (RFC 6901) to the offending value"),
        message: z.string(),
      }),
    )
    .optional(),
});

const ProviderKeyView = z.looseObject({
  id: z.string().describe("e.g. `groq#1`; never the secret"),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable(),
  breaker: z.enum(["closed", "open", "half_open"]),
  health: z.number().min(0).max(1),
  latency_ms: z.number().nullable(),
  usage_today: z.object({
    requests: z.number().int(),
    tokens: z.number().int(),
    percent: z.number().min(0).max(100).describe("of the tightest daily limit"),
  }),
  limits: z.record(z.string(), z.number()),
  alerts: z.array(
    z.object({
      threshold: z.union([z.literal(80), z.literal(90), z.literal(100)]),
      at: z.string(),
    }),
  ),
});

export const ProvidersView = z.object({
  data: z.array(
    z.looseObject({
      name: z.enum(["groq", "huggingface", "openai_compat"]),
      enabled: z.boolean(),
      model: z.string(),
      keys: z.array(ProviderKeyView),
    }),
  ),
});
