import { Queue, RateLimitError, UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "@qforge/config";
import { GenerationCache, type CachedQuestion } from "@qforge/cache";
import {
  chargeCancelledJob,
  completeJob,
  failJob,
  findReusableQuestions,
  isStoreUnavailable,
  jobMayContinue,
  markJobActive,
  markJobCancelled,
  markJobRetrying,
  sqlOf,
  type Database,
  type QuestionInput,
  type TransitionResult,
  type UsageDelta,
} from "@qforge/database";
import {
  buildMessages,
  generateQuestions,
  isGenerationCancelled,
  isGenerationError,
  maxTokensFor,
  type GeneratedQuestion,
} from "@qforge/generation";
import { lazyChild, type Logger } from "@qforge/logger";
import type { Orchestrator } from "@qforge/orchestrator";
import { isProviderError, type ProviderName } from "@qforge/providers";
import {
  anyCancelled,
  bullJobId,
  GENERATE_JOB,
  GenerateJobData,
  generateJobOptions,
  jobLocationKey,
  isLoneJob,
  loneJobToHeadWhenDue,
  publishChange,
} from "@qforge/queues";
import { ENDED_JOB_STATUSES, type GenerateRequest, type JobErrorCode } from "@qforge/schemas";
import { CapacityWait, estimateTokens, isCapacityWait, OrchestratedRouter } from "./router.ts";
import type { Afterwards } from "./afterwards.ts";
import type { LeaseShelf } from "./shelf.ts";
import type { WebhookOutbox } from "./webhooks.ts";

export interface ProcessorDeps {
  config: Config;
  db: Database;
  /** For publishing changes (best effort: clients also poll Postgres) and job locations. */
  publisher: Redis;
  orchestrator: Orchestrator;
  cache: GenerationCache;
  /** Every provider queue, to move jobs between them. */
  queues: ReadonlyMap<ProviderName, Queue>;
  logger: Logger;
  /** Queues the webhook deliveries a transition committed. */
  outbox: WebhookOutbox;
  /** Runs a completed job's Redis bookkeeping after its slot is freed. */
  afterwards: Afterwards;
  /** Keys reserved ahead for this queue's next jobs. */
  shelf: LeaseShelf;
}

/** A provider that cannot serve for longer than this hands its jobs to one that can now. */
const MOVE_AFTER_MS = 2000;
/** The longest a queue pauses at once; then its jobs look around again. */
const MAX_PAUSE_MS = 10_000;
/** Moves for capacity per job before it just waits where it is (no ping-pong). */
const MAX_CAPACITY_HOPS = 20;

/**
 * A job's first call may go ahead of its start (see "Deferred start" below); the start is written
 * once the call has taken this long. A call that ends sooner has its start written with its end.
 */
const START_AFTER_MS = 50;

const NO_USAGE: UsageDelta = { providerCalls: 0, promptTokens: 0, completionTokens: 0 };

function failureOf(error: unknown): { code: JobErrorCode; message: string } | null {
  if (isGenerationError(error)) return { code: "invalid_output", message: error.message };
  if (isProviderError(error)) return { code: "provider_errors", message: error.message };
  return null;
}

function firstCallEstimate(request: GenerateRequest, questionsPerCall: number, kept: number) {
  const ask = Math.max(1, Math.min(questionsPerCall, request.question_count - kept));
  return estimateTokens({
    messages: buildMessages(request, ask, []),
    maxTokens: maxTokensFor(ask),
  });
}

/**
 * The processor of one provider queue: one BullMQ job = one stage of a qforge job's journey.
 * It reserves a key before it starts the job (a job that only waits never starts), generates on
 * this provider, and on failure hands the job to the next provider in PROVIDER_ORDER; when every
 * provider failed it, the next attempt starts over after a backoff.
 */
export function createGenerationProcessor(provider: ProviderName, deps: ProcessorDeps) {
  const { config, db, publisher, orchestrator, cache, queues, logger, outbox, afterwards, shelf } =
    deps;
  const configured = orchestrator.providers();

  const publish = async (jobId: string, status: string, t: TransitionResult | null) => {
    if (!t) return;
    // webhooks: every transition's committed events go to the webhooks queue.
    await outbox.enqueue(t.webhookDeliveries);
    // Listeners follow jobs as they end (SSE `progress`, `?wait=`); a start or a retry wakes no
    // one (and the SSE stream re-reads its batch now and then anyway).
    if (!ENDED_JOB_STATUSES.has(t.status)) return;
    await publishChange(publisher, config.queuePrefix, {
      jobId,
      jobStatus: status,
      batchId: t.batchId,
      batchStatus: t.batchStatus,
    }).catch((err: unknown) => logger.warn({ err, jobId }, "could not publish job change"));
  };

  /** Hands the job to `to`'s queue as a new BullMQ job (its id names the hop). */
  const move = async (job: Job, data: GenerateJobData, to: ProviderName, delayMs = 0) => {
    const hop = data.hop + 1;
    const id = bullJobId(data.jobId, hop, { id: job.id ?? "", timestamp: job.timestamp });
    const queue = queues.get(to);
    if (!queue) throw new Error(`no queue for ${to}`);
    const lone = isLoneJob(job.opts);
    const added = await queue.add(
      GENERATE_JOB,
      { ...data, hop },
      {
        ...generateJobOptions({
          jobId: id,
          lone,
          attempts: config.jobAttempts,
          backoffMs: config.jobBackoffMs,
        }),
        ...(delayMs > 0 ? { delay: delayMs } : {}),
      },
    );
    if (lone && delayMs > 0) loneJobToHeadWhenDue(added, delayMs);
    await publisher.hset(jobLocationKey(config.queuePrefix), data.jobId, `${to}/${id}`);
  };

  const fail = async (
    jobId: string,
    error: { code: string; message: string },
    usage: UsageDelta,
  ) => {
    const failed = await failJob(db, jobId, error, usage);
    await publish(jobId, "failed", failed);
  };

  return async (job: Job): Promise<void> => {
    const parsed = GenerateJobData.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError("malformed job payload");
    const data = parsed.data;
    const { jobId } = data;
    const log = lazyChild(logger, { jobId, queue: provider, attempt: data.attempt, hop: data.hop });

    /**
     * No key of this provider can take a call now. Another provider that can take it now gets
     * the job; a job no provider can ever serve (every key revoked) fails; the rest wait here,
     * queued, spending no attempt, while the queue pauses (BullMQ's manual rate limit).
     */
    const waitOrMove = async (
      wait: CapacityWait,
      kept: GeneratedQuestion[],
      active: boolean,
      usage: UsageDelta,
    ): Promise<void> => {
      const next: GenerateJobData = { ...data, partial: kept };
      const revoked = (blocks: readonly { kind: string }[]) =>
        blocks.length > 0 && blocks.every((b) => b.kind === "revoked");
      // Brief throttling is waited out here; a provider that is down, exhausted or paused for
      // longer hands the job to one that can take it now.
      const canMove =
        data.hop < MAX_CAPACITY_HOPS &&
        (wait.waitMs > MOVE_AFTER_MS || !wait.blocks.some((b) => b.kind === "throttled"));
      let allRevoked = revoked(wait.blocks);
      for (const other of configured) {
        if (other === provider) continue;
        const peek = await orchestrator.acquire(other, { estTokens: 0, peek: true });
        if (peek.ok) {
          allRevoked = false;
          if (canMove && !(other in data.failures)) {
            if (active) await publish(jobId, "queued", await markJobRetrying(db, jobId, usage));
            await move(job, next, other);
            log.info({ to: other, reason: wait.message }, "moved to another provider");
            return;
          }
        } else if (!revoked(peek.blocks)) {
          allRevoked = false;
        }
      }
      if (allRevoked) {
        await fail(
          jobId,
          { code: "no_provider", message: `every provider key is disabled: ${wait.message}` },
          usage,
        );
        return;
      }
      if (active) await publish(jobId, "queued", await markJobRetrying(db, jobId, usage));
      if (kept.length !== data.partial.length) await job.updateData(next);
      await queues.get(provider)!.rateLimit(Math.min(Math.max(wait.waitMs, 50), MAX_PAUSE_MS));
      log.debug({ waitMs: wait.waitMs }, "waiting for capacity");
      throw new RateLimitError();
    };

    // Its queue entry says what never changes of the job; an entry without (queued again by
    // housekeeping or a retry) has the row read. Either way the job's status is checked as it
    // starts (markJobActive), so a job that ended meanwhile does not run again.
    const row = data.snapshot ?? (await readJob(db, jobId));
    if (!row) {
      log.info("job already ended or gone; nothing to do");
      return;
    }
    const { request, tenantId } = row;
    // A job that owes no webhook ends in one statement (see completeJob).
    const owesNoWebhook = data.snapshot?.webhooks === false ? { request } : undefined;
    const kept: GeneratedQuestion[] = data.partial.map((q) => ({ ...q }));

    /**
     * A job that ended (cancelled, or by another run) while its first call ran ahead of its
     * start: it keeps no questions, and a cancelled one pays for the calls (see "Deferred start").
     */
    const discard = async (usage: UsageDelta) => {
      await chargeCancelledJob(db, jobId, usage);
      log.info(
        { calls: usage.providerCalls },
        "job ended while its first call ran; answer discarded",
      );
    };

    /**
     * Ends the job with `questions` (written once) and remembers them in the cache. The outcomes
     * of the router's calls are recorded in the same statement; `calls.estimate` (the first call's
     * tokens) sizes the key reserved for this queue's next job.
     */
    const finish = async (
      questions: QuestionInput[],
      usage: UsageDelta,
      fromCache: boolean,
      calls?: { router: OrchestratedRouter; estimate: number },
      /** The start, when it is written with the end (see "Deferred start"). */
      started?: { at: Date; attempt: number },
    ) => {
      const router = calls?.router;
      const keyUsage = router?.takeUsage() ?? [];
      const done = await completeJob(db, jobId, questions, usage, {
        ...(owesNoWebhook ? { owesNoWebhook } : {}),
        keyUsage,
        ...(started ? { started } : {}),
      }).catch((error: unknown) => {
        router?.giveBackUsage(keyUsage);
        throw error;
      });
      // The job is done once its row is: the rest runs on while its slot takes the next job
      // (see Afterwards). Sent together, the worker's Redis client pipelines them in one round
      // trip, which also reserves a key for that next job.
      const settle = router?.takeSettles();
      await afterwards.run(() =>
        Promise.all([
          settle?.().catch((err: unknown) => log.warn({ err }, "could not settle provider calls")),
          // A key for the job after this one, in the same round trip (see LeaseShelf).
          calls ? shelf.reserve(calls.estimate) : undefined,
          publish(jobId, "completed", done),
          data.hop > 0
            ? publisher.hdel(jobLocationKey(config.queuePrefix), jobId).catch(() => {})
            : undefined,
          done && !fromCache
            ? cache
                .set(tenantId, request, questions.map(toCached))
                .catch((err: unknown) => log.warn({ err }, "could not write the cache"))
            : undefined,
        ]),
      );
      // Cancelled (or ended by another run) while its call was in flight, before its start
      // was written.
      if (!done && started) return discard(usage);
      if (!log.isLevelEnabled("info")) return;
      const sources = countBy(questions.map((q) => q.source));
      log.info(
        { questions: questions.length, calls: usage.providerCalls, sources },
        "job completed",
      );
    };

    /** queued → active for a job answered without a provider; false when it must not run. */
    const start = async (): Promise<boolean> => {
      const started = await markJobActive(db, jobId, data.attemptBase + data.attempt);
      if (started?.status === "active") return true;
      // cancel: a job of a cancelled batch is cancelled here instead of started.
      await publish(jobId, "cancelled", started);
      return false;
    };

    // Cache first, then questions already in Postgres, then a provider ("fresh" skips reuse).
    if (!request.fresh && kept.length === 0) {
      const cached = await cache.get(tenantId, request).catch((err: unknown) => {
        log.warn({ err }, "could not read the cache");
        return null;
      });
      if (cached) {
        if (!(await start())) return;
        await finish(
          cached.map((q) => ({ ...q, difficulty: request.difficulty, source: "cache" as const })),
          NO_USAGE,
          true,
        );
        return;
      }
    }
    if (!request.fresh && kept.length < request.question_count) {
      kept.push(
        ...(await findReusableQuestions(db, {
          tenantId,
          request,
          limit: request.question_count - kept.length,
          exclude: new Set(kept.map((q) => q.normalized)),
        })),
      );
    }
    if (kept.length >= request.question_count) {
      if (!(await start())) return;
      await finish(kept.slice(0, request.question_count).map(toInput), NO_USAGE, false);
      return;
    }
    if (configured.length === 0) {
      await fail(
        jobId,
        {
          code: "no_provider",
          message:
            "no provider is configured (set GROQ_API_KEYS, HF_TOKENS or OPENAI_COMPAT_BASE_URL)" +
            (request.fresh
              ? ""
              : ` and the question bank has ${kept.length} of the ${request.question_count} questions asked for`),
        },
        NO_USAGE,
      );
      return;
    }
    // A queue of a provider this process has no keys for (the API routed by another
    // configuration): the job goes to the first provider that is configured here.
    if (!configured.includes(provider)) {
      await move(job, { ...data, partial: kept }, configured[0]!);
      return;
    }

    const router = new OrchestratedRouter(orchestrator, provider, db, log, shelf);
    const estimate = firstCallEstimate(request, config.questionsPerCall, kept.length);
    try {
      await router.prepare(estimate);
    } catch (error) {
      if (isCapacityWait(error)) return waitOrMove(error, kept, false, NO_USAGE);
      throw error;
    }

    /**
     * queued → active, with `firstCall`'s request counted in the same statement. A job that may
     * not run (its batch was cancelled, it ended) is cancelled or left alone instead.
     */
    const writeStart = async (firstCall: ReturnType<OrchestratedRouter["preparedCall"]>) => {
      const started = await markJobActive(db, jobId, data.attemptBase + data.attempt, firstCall);
      await publish(jobId, started?.status === "active" ? "active" : "cancelled", started);
      return started;
    };
    let startWritten: Promise<TransitionResult | null> | undefined;

    // Deferred start. A job's start is a statement of its own, and on a fast provider about a
    // third of the Postgres work of a job. Its checks do not need Postgres on a job's first
    // delivery from the API (hop 0): a cancel is marked in Redis (`anyCancelled`, one key
    // lookup), and a job that ended already comes back only as a redelivery, which starts the
    // old way. So the first call goes out now, and the start is written after START_AFTER_MS
    // (counting that call's request, as a start does), as soon as that call fails (before the
    // router tries another key), or, when the call succeeds sooner, with the end: such a job is
    // `queued` until it completes. The cancel mark is best effort: a job picked up between a
    // cancel's commit and its mark makes its call, keeps nothing, and is charged for it.
    const batchId = data.snapshot?.batchId;
    const firstDelivery =
      data.hop === 0 && (job.attemptsStarted ?? 0) <= 1 && !job.stalledCounter && !job.attemptsMade;
    let deferred: { at: Date; timer: NodeJS.Timeout } | undefined;
    let ensureStarted: () => Promise<TransitionResult | null>;
    // The first call succeeded before any start: its request goes with the job's end.
    let countedAtEnd = false;
    if (
      owesNoWebhook &&
      batchId !== undefined &&
      firstDelivery &&
      !(await anyCancelled(publisher, config.queuePrefix, [batchId, jobId]).catch(() => true))
    ) {
      const firstCall = router.preparedCall();
      ensureStarted = () => (startWritten ??= writeStart(countedAtEnd ? undefined : firstCall));
      const timer = setTimeout(() => void ensureStarted().catch(() => {}), START_AFTER_MS);
      deferred = { at: new Date(), timer };
      router.countPreparedWith(async (succeeded) => {
        clearTimeout(timer);
        if (!startWritten && succeeded) {
          countedAtEnd = true;
          return false;
        }
        return (await ensureStarted())?.status === "active";
      });
    } else {
      ensureStarted = () =>
        (startWritten ??= writeStart(router.preparedCall()).then((started) => {
          if (started?.status === "active") router.countedPrepared();
          return started;
        }));
      const started = await ensureStarted().catch(async (error: unknown) => {
        await router.release().catch(() => {});
        throw error;
      });
      if (started?.status !== "active") {
        await router.release();
        log.info("job already ended, cancelled or gone; nothing to do");
        return;
      }
    }

    /**
     * The start is on record before what follows from the attempt (a deferred one is written
     * now); false when the job was cancelled meanwhile, which is then charged for its calls
     * (once: the outcome is kept for every later asker).
     */
    let startOutcome: Promise<boolean> | undefined;
    const startedOrCharged = () =>
      (startOutcome ??= (async () => {
        const started = await ensureStarted();
        // More follows (another call, a retry): the first call's request, left for the end,
        // goes on record now rather than at an end that may be minutes away.
        if (countedAtEnd) await router.flushUsage();
        if (started?.status === "active") return true;
        await discard(router.usage);
        return false;
      })());

    try {
      return await attempt(request);
    } finally {
      if (deferred) clearTimeout(deferred.timer);
      // Whatever way the attempt ended, its calls are settled and their outcomes recorded.
      await Promise.all([
        router
          .settleLater()
          .catch((err: unknown) => log.warn({ err }, "could not settle provider calls")),
        router
          .flushUsage()
          .catch((err: unknown) => log.warn({ err }, "could not record provider usage")),
      ]);
    }

    /** The generation itself, and what follows from how it ended. */
    async function attempt(request: GenerateRequest): Promise<void> {
      try {
        const { questions } = await generateQuestions({
          request,
          router,
          progress: kept,
          questionsPerCall: config.questionsPerCall,
          // cancel: no further call once the job's batch is cancelled (the call in flight ends).
          shouldContinue: async () =>
            (await startedOrCharged()) && (await jobMayContinue(db, jobId)),
        });
        if (deferred && !startWritten) {
          // Quicker than START_AFTER_MS: the start goes with the end, in one statement.
          const started = { at: deferred.at, attempt: data.attemptBase + data.attempt };
          await finish(questions.map(toInput), router.usage, false, { router, estimate }, started);
          return;
        }
        if (!(await startedOrCharged())) return;
        await finish(questions.map(toInput), router.usage, false, { router, estimate });
      } catch (error) {
        // Not the job's fault: left to the worker to delay without spending an attempt.
        if (isStoreUnavailable(error)) throw error;
        if (!(await startedOrCharged())) return;
        // cancel: stopped between calls; it ends cancelled, keeping no questions.
        if (isGenerationCancelled(error)) {
          await publish(jobId, "cancelled", await markJobCancelled(db, jobId, router.usage));
          log.info({ calls: router.usage.providerCalls }, "job cancelled with its batch");
          return;
        }
        if (isCapacityWait(error)) return waitOrMove(error, kept, true, router.usage);
        const failure = failureOf(error);
        if (!failure) {
          await publish(jobId, "queued", await markJobRetrying(db, jobId, router.usage));
          throw error;
        }
        const failures = { ...data.failures, [provider]: failure };
        log.warn({ code: failure.code, err: failure.message }, "provider failed the job");
        const nextProvider = configured.find((p) => !(p in failures));
        if (nextProvider) {
          await publish(jobId, "queued", await markJobRetrying(db, jobId, router.usage));
          await move(job, { ...data, failures, partial: kept }, nextProvider);
          return;
        }
        if (data.attempt < config.jobAttempts) {
          await publish(jobId, "queued", await markJobRetrying(db, jobId, router.usage));
          const delay = config.jobBackoffMs * 2 ** (data.attempt - 1);
          await move(
            job,
            { ...data, attempt: data.attempt + 1, failures: {}, partial: kept },
            configured[0]!,
            delay,
          );
          return;
        }
        const all = Object.values(failures);
        await fail(
          jobId,
          {
            code: all.every((f) => f.code === "invalid_output")
              ? "invalid_output"
              : "provider_errors",
            message: `${Object.entries(failures)
              .map(([p, f]) => `${p}: ${f.message}`)
              .join("; ")} (after ${config.jobAttempts} attempts)`,
          },
          router.usage,
        );
      }
    }
  };
}

/** The job's request and tenant, or null when it is gone or already ended. */
async function readJob(
  db: Database,
  jobId: string,
): Promise<{ request: GenerateRequest; tenantId: string } | null> {
  const rows = await sqlOf(db).query<{ request: GenerateRequest; tenant_id: string }>(
    `SELECT request, tenant_id FROM jobs WHERE id = $1::uuid AND status IN ('queued', 'active')`,
    [jobId],
  );
  const row = rows[0];
  return row ? { request: row.request, tenantId: row.tenant_id } : null;
}

function toInput(q: GeneratedQuestion): QuestionInput {
  return {
    question: q.question,
    normalized: q.normalized,
    category: q.category,
    difficulty: q.difficulty,
    key_points: q.key_points,
    source: q.source ?? "ai",
    provider: q.provider,
    model: q.model,
    bank_role: q.bank_role ?? null,
  };
}

function toCached(q: QuestionInput): CachedQuestion {
  return {
    question: q.question,
    normalized: q.normalized,
    category: q.category,
    key_points: q.key_points,
    provider: q.provider,
    model: q.model,
    bank_role: q.bank_role,
  };
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
