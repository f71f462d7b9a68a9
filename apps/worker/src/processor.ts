import { UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "@qforge/config";
import {
  completeJob,
  failJob,
  isStoreUnavailable,
  jobMayContinue,
  markJobActive,
  markJobCancelled,
  markJobRetrying,
  recordProviderUsage,
  type Database,
  type TransitionResult,
  type UsageDelta,
} from "@qforge/database";
import { generateQuestions, isGenerationCancelled, isGenerationError } from "@qforge/generation";
import type { Logger } from "@qforge/logger";
import { isProviderError, type ProviderName } from "@qforge/providers";
import { GenerateJobData, publishChange } from "@qforge/queues";
import type { JobErrorCode } from "@qforge/schemas";
import type { ProviderPool } from "./providers.ts";
import type { WebhookOutbox } from "./webhooks.ts";

export interface ProcessorDeps {
  config: Config;
  db: Database;
  /** For publishing changes; best effort (clients also poll Postgres). */
  publisher: Redis;
  pool: ProviderPool;
  logger: Logger;
  /** Queues the webhook deliveries a transition committed. */
  outbox: WebhookOutbox;
}

function jobError(error: unknown): { code: JobErrorCode; message: string } {
  if (isGenerationError(error)) return { code: "invalid_output", message: error.message };
  if (isProviderError(error)) return { code: "provider_errors", message: error.message };
  return { code: "internal", message: "internal error while generating" };
}

/** The processor of one provider queue: one BullMQ job = one qforge job. */
export function createGenerationProcessor(provider: ProviderName, deps: ProcessorDeps) {
  const { config, db, publisher, pool, logger, outbox } = deps;

  const publish = async (jobId: string, status: string, t: TransitionResult | null) => {
    if (!t) return;
    // webhooks: every transition's committed events go to the webhooks queue.
    await outbox.enqueue(t.webhookDeliveries);
    await publishChange(publisher, config.queuePrefix, {
      jobId,
      jobStatus: status,
      batchId: t.batchId,
      batchStatus: t.batchStatus,
    }).catch((err: unknown) => logger.warn({ err, jobId }, "could not publish job change"));
  };

  return async (job: Job): Promise<void> => {
    const parsed = GenerateJobData.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError("malformed job payload");
    const { jobId } = parsed.data;
    const log = logger.child({ jobId, queue: provider, attempt: job.attemptsMade + 1 });

    const started = await markJobActive(db, jobId);
    if (!started || started.status !== "active") {
      // cancel: a job of a cancelled batch is cancelled here instead of started.
      await publish(jobId, "cancelled", started);
      log.info("job already ended, cancelled or gone; nothing to do");
      return;
    }
    await publish(jobId, "active", started);

    const client = pool.pickFor(provider);
    if (!client) {
      const failed = await failJob(db, jobId, {
        code: "no_provider",
        message:
          "no provider is configured (set GROQ_API_KEYS, HF_TOKENS or OPENAI_COMPAT_BASE_URL)",
      });
      await publish(jobId, "failed", failed);
      throw new UnrecoverableError("no provider configured");
    }

    const usage: UsageDelta = { providerCalls: 0, promptTokens: 0, completionTokens: 0 };
    try {
      const { questions } = await generateQuestions({
        request: started.request,
        client,
        questionsPerCall: config.questionsPerCall,
        // cancel: no further call once the job's batch is cancelled (the call in flight ends).
        shouldContinue: () => jobMayContinue(db, jobId),
        onCall: async (call) => {
          usage.providerCalls++;
          usage.promptTokens += call.usage.promptTokens;
          usage.completionTokens += call.usage.completionTokens;
          await recordProviderUsage(db, {
            provider: call.provider,
            keyId: call.keyId,
            ok: call.ok,
            promptTokens: call.usage.promptTokens,
            completionTokens: call.usage.completionTokens,
          });
        },
      });
      const done = await completeJob(
        db,
        jobId,
        questions.map((q) => ({ ...q, source: "ai" as const, bank_role: null })),
        usage,
      );
      await publish(jobId, "completed", done);
      log.info({ questions: questions.length, calls: usage.providerCalls }, "job completed");
    } catch (error) {
      // Not the job's fault: left to the worker to delay without spending an attempt.
      if (isStoreUnavailable(error)) throw error;
      // cancel: stopped between calls; it ends cancelled, keeping no questions.
      if (isGenerationCancelled(error)) {
        await publish(jobId, "cancelled", await markJobCancelled(db, jobId, usage));
        log.info({ calls: usage.providerCalls }, "job cancelled with its batch");
        return;
      }
      const attempts = job.opts.attempts ?? 1;
      const last = job.attemptsMade + 1 >= attempts;
      const { code, message } = jobError(error);
      log.warn({ code, err: message, last }, "attempt failed");
      if (last) {
        const failed = await failJob(
          db,
          jobId,
          { code, message: `${message} (after ${attempts} attempts)` },
          usage,
        );
        await publish(jobId, "failed", failed);
      } else {
        await publish(jobId, "queued", await markJobRetrying(db, jobId, usage));
      }
      throw error;
    }
  };
}
