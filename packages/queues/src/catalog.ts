import type { JobsOptions } from "bullmq";
import { z } from "zod";

export const PROVIDER_QUEUES = ["groq", "huggingface", "openai_compat"] as const;
export type ProviderQueueName = (typeof PROVIDER_QUEUES)[number];

/** BullMQ job name on the provider queues. */
export const GENERATE_JOB = "generate";

/** The payload of a generation job: the Postgres row is the source of truth, so only its id. */
export const GenerateJobData = z.object({ jobId: z.uuid() });
export type GenerateJobData = z.infer<typeof GenerateJobData>;

/** Lower runs first: lone jobs (a person waiting) ahead of batch items. */
export const PRIORITY = { lone: 1, batch: 10 } as const;

export function generateJobOptions(opts: {
  jobId: string;
  lone: boolean;
  attempts: number;
  backoffMs: number;
}): JobsOptions {
  return {
    jobId: opts.jobId,
    priority: opts.lone ? PRIORITY.lone : PRIORITY.batch,
    attempts: opts.attempts,
    backoff: { type: "exponential", delay: opts.backoffMs },
    // Postgres keeps the record; Redis keeps only a recent window for Bull Board.
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 5000 },
  };
}
