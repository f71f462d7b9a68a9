import { z } from "zod";
import { BATCH_STATUSES, DIFFICULTIES, GenerateRequest, JOB_STATUSES } from "./requests.ts";

// The shapes the API returns. Declared with zod so that the OpenAPI document is generated from
// the same source as the validation.

export const QuestionView = z.object({
  id: z.string(),
  question: z.string(),
  category: z.string(),
  difficulty: z.enum(DIFFICULTIES),
  key_points: z.array(z.string()),
  source: z.enum(["cache", "bank", "ai"]),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  bank_role: z.string().nullable(),
});
export type QuestionView = z.infer<typeof QuestionView>;

export const JobError = z.object({ code: z.string(), message: z.string() });
export type JobError = z.infer<typeof JobError>;

export const JobView = z.object({
  id: z.string(),
  batch_id: z.string().nullable(),
  index: z.number().int(),
  status: z.enum(JOB_STATUSES),
  request: GenerateRequest,
  questions: z.array(QuestionView),
  error: JobError.nullable(),
  attempts: z.number().int(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});
export type JobView = z.infer<typeof JobView>;

export const BatchCounts = z.object({
  total: z.number().int(),
  queued: z.number().int(),
  active: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});

export const Usage = z.object({
  provider_calls: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
});

export const BatchView = z.object({
  id: z.string(),
  status: z.enum(BATCH_STATUSES),
  counts: BatchCounts,
  created_at: z.string(),
  completed_at: z.string().nullable(),
  webhook_url: z.string().nullable(),
  metadata: z.record(z.string(), z.string()).nullable(),
  usage: Usage,
});
export type BatchView = z.infer<typeof BatchView>;

export const JobErrorCode = z.enum([
  "no_provider",
  "provider_errors",
  "invalid_output",
  "internal",
]);
export type JobErrorCode = z.infer<typeof JobErrorCode>;
