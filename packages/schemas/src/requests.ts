import { z } from "zod";

export const DIFFICULTIES = ["easy", "medium", "hard"] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

const CONTROL_CHARS = /\p{Cc}/u;
// In a /u pattern a well-formed surrogate pair is one code point, so this matches lone halves
// only: text that is not valid UTF-16, which neither JSON consumers nor Postgres accept.
const LONE_SURROGATE = /\p{Cs}/u;

/** Well-formed Unicode without control characters. */
const clean = (s: string) => !CONTROL_CHARS.test(s) && !LONE_SURROGATE.test(s);
const CLEAN_MESSAGE = "must not contain control characters or unpaired surrogates";

/** A trimmed string of 1..max characters with no control characters. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine(clean, CLEAN_MESSAGE);

export const GenerateRequest = z.strictObject({
  role: text(200),
  difficulty: z.enum(DIFFICULTIES, { error: 'must be one of "easy", "medium", "hard"' }),
  question_count: z
    .number({ error: "must be an integer from 1 to 50" })
    .int("must be an integer from 1 to 50")
    .min(1, "must be an integer from 1 to 50")
    .max(50, "must be an integer from 1 to 50"),
  categories: z
    .array(text(100))
    .max(10, "at most 10 categories")
    .superRefine((categories, ctx) => {
      const seen = new Set<string>();
      categories.forEach((c, i) => {
        const key = c.toLowerCase();
        if (seen.has(key)) {
          ctx.addIssue({
            code: "custom",
            path: [i],
            message: "duplicates another category (case-insensitive)",
          });
        }
        seen.add(key);
      });
    })
    .optional(),
  fresh: z.boolean({ error: "must be a boolean" }).optional(),
});
export type GenerateRequest = z.infer<typeof GenerateRequest>;

export const WebhookUrl = z
  .string()
  .trim()
  .max(2048, "must be at most 2048 characters")
  .refine(clean, CLEAN_MESSAGE)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
    } catch {
      return false;
    }
  }, "must be an absolute http(s) URL");

export const GenerateBody = GenerateRequest.extend({ webhook_url: WebhookUrl.optional() });
export type GenerateBody = z.infer<typeof GenerateBody>;

export const MAX_BATCH_ITEMS = 10_000;

const hasOwnProto = (v: unknown) =>
  typeof v === "object" && v !== null && Object.prototype.hasOwnProperty.call(v, "__proto__");

export const BatchMetadata = z
  .unknown()
  // zod drops a `__proto__` key silently (a plain object cannot hold it as data): refuse it.
  .refine((v) => !hasOwnProto(v), {
    message: "__proto__ is not allowed as a key",
    path: ["__proto__"],
  })
  .pipe(
    z.record(
      z
        .string()
        .min(1, "keys must not be empty")
        .max(100, "keys must be at most 100 characters")
        .refine(clean, `keys ${CLEAN_MESSAGE}`),
      z
        .string({ error: "values must be strings" })
        .max(1000, "must be at most 1000 characters")
        // Newlines and tabs are fine in a free-text value; NUL and broken UTF-16 are not storable.
        .refine(
          (s) => !/\u0000/.test(s) && !LONE_SURROGATE.test(s),
          "must not contain NUL or unpaired surrogates",
        ),
    ),
  )
  .refine((m) => Object.keys(m).length <= 16, "at most 16 entries");

export const CreateBatchBody = z.strictObject({
  items: z
    .array(GenerateRequest)
    .min(1, "must hold at least 1 item")
    .max(MAX_BATCH_ITEMS, `must hold at most ${MAX_BATCH_ITEMS} items`),
  webhook_url: WebhookUrl.optional(),
  metadata: BatchMetadata.optional(),
});
export type CreateBatchBody = z.infer<typeof CreateBatchBody>;

export const JOB_STATUSES = ["queued", "active", "completed", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** A job in one of these states will not change again. */
export const ENDED_JOB_STATUSES: ReadonlySet<JobStatus> = new Set([
  "completed",
  "failed",
  "cancelled",
]);
export const BATCH_STATUSES = ["queued", "in_progress", "completed", "cancelled"] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

const limit = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be an integer from 1 to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, `must be an integer from 1 to ${max}`)
        .max(max, `must be an integer from 1 to ${max}`),
    )
    .default(fallback);

const cursor = z.string().max(200).optional();

export const ListBatchesQuery = z.object({
  status: z
    .enum(BATCH_STATUSES, { error: `must be one of ${BATCH_STATUSES.join(", ")}` })
    .optional(),
  limit: limit(100, 20),
  cursor,
});

export const ListJobsQuery = z.object({
  status: z.enum(JOB_STATUSES, { error: `must be one of ${JOB_STATUSES.join(", ")}` }).optional(),
  limit: limit(500, 100),
  cursor,
});

export const WaitQuery = z.object({
  wait: z
    .string()
    .regex(/^\d{1,2}$/, "must be an integer from 0 to 30")
    .transform(Number)
    .pipe(z.number().max(30, "must be an integer from 0 to 30"))
    .optional(),
});
