import {
  recordKeyUsage,
  recordProviderRequest,
  type Database,
  type KeyUsage,
  type UsageDelta,
} from "@qforge/database";
import type { ChatRouter, RoutedAnswer } from "@qforge/generation";
import type { Logger } from "@qforge/logger";
import {
  isProviderError,
  ProviderError,
  type ChatRequest,
  type ProviderName,
} from "@qforge/providers";
import {
  outcomeFor,
  type KeyBlock,
  type Lease,
  type Orchestrator,
  type Outcome,
} from "@qforge/orchestrator";

import type { LeaseShelf } from "./shelf.ts";

/** No key of the provider can take a call now; `waitMs` until one may. Not the job's fault. */
export class CapacityWait extends Error {
  constructor(
    readonly provider: ProviderName,
    readonly waitMs: number,
    readonly blocks: KeyBlock[],
  ) {
    super(
      `${provider}: no key can take a call now (` +
        (blocks.map((b) => `${b.keyId}: ${b.reason}`).join("; ") || "no keys") +
        ")",
    );
    this.name = "CapacityWait";
  }
}

export function isCapacityWait(e: unknown): e is CapacityWait {
  return e instanceof CapacityWait;
}

/** Tokens a call may use at most: its prompt (about 4 characters a token) and its answer cap. */
export function estimateTokens(request: Pick<ChatRequest, "messages" | "maxTokens">): number {
  const chars = request.messages.reduce((n, m) => n + m.content.length, 0);
  return Math.ceil(chars / 4) + request.maxTokens;
}

/**
 * Routes one job's calls on one provider through the orchestrator: every call on the best key
 * that can take it, a failed key is not asked again for this job, and every call is accounted
 * for — in Redis (health, breaker, quotas), in `ai_provider_usage` and in the job's usage.
 */
export class OrchestratedRouter implements ChatRouter {
  readonly usage: UsageDelta = { providerCalls: 0, promptTokens: 0, completionTokens: 0 };
  private readonly failedKeys = new Set<string>();
  private readonly leases = new WeakMap<
    RoutedAnswer,
    { lease: Lease; counted: Promise<boolean> }
  >();
  private prepared: Lease | undefined;
  /**
   * Says, once the prepared call has ended, whether its request was counted elsewhere (by the
   * job's start); unset, the call counts its request itself as it starts.
   */
  private preparedCount: ((succeeded: boolean) => Promise<boolean>) | undefined;
  private lastError: ProviderError | undefined;
  /** Whether every call that failed for this job failed for its key's sake, not the job's. */
  private keyFaultsOnly = true;
  /**
   * The outcomes of calls made, not yet in ai_provider_usage: they go in with the job's end
   * (`takeUsage`), or on their own (`flushUsage`) when the job ends otherwise.
   */
  private pending: KeyUsage[] = [];
  /** Successful calls whose key state is not settled yet (see `settleLater`). */
  private unsettled: (() => Promise<void>)[] = [];

  constructor(
    private readonly orchestrator: Orchestrator,
    readonly provider: ProviderName,
    private readonly db: Database,
    private readonly logger: Logger,
    /** Reservations made ahead for this queue's jobs (see LeaseShelf). */
    private readonly shelf?: LeaseShelf,
  ) {}

  /**
   * Reserves the first call before the job starts, so a job that must wait never starts; a
   * reservation made ahead for this queue (the shelf) serves when there is one.
   */
  async prepare(estTokens: number): Promise<void> {
    const ready = this.shelf?.take();
    if (ready) {
      this.prepared = ready;
      return;
    }
    const res = await this.orchestrator.acquire(this.provider, { estTokens });
    if (!res.ok) throw new CapacityWait(this.provider, res.waitMs, res.blocks);
    this.prepared = res.lease;
  }

  /** The key the prepared call will use, to count its request with the job's start. */
  preparedCall(): { provider: ProviderName; keyId: string } | undefined {
    return this.prepared ? { provider: this.provider, keyId: this.prepared.keyId } : undefined;
  }

  /** The prepared call's request was counted (see `preparedCall`). */
  countedPrepared(): void {
    if (this.prepared) this.preparedCount = async () => true;
  }

  /**
   * The prepared call goes ahead of the job's start (the processor's deferred start): it is not
   * counted as it starts; when it has ended (`succeeded` or not), `counted` says whether a start
   * counted it. If not, its outcome carries the request into the job's end. A failed call's
   * outcome waits for `counted`, so a start written then comes before the next key is tried.
   */
  countPreparedWith(counted: (succeeded: boolean) => Promise<boolean>): void {
    this.preparedCount = counted;
  }

  /**
   * Settles the successful calls not settled yet. Called with the job's other Redis writes, so
   * that all of them share one round trip (the worker's Redis client pipelines what is sent
   * together); until then a call's reservation is simply held a moment longer.
   */
  async settleLater(): Promise<void> {
    await this.takeSettles()();
  }

  /** Takes the successful calls not settled yet: the returned function settles them. */
  takeSettles(): () => Promise<void> {
    const settles = this.unsettled;
    this.unsettled = [];
    return async () => {
      await Promise.all(settles.map((settle) => settle()));
    };
  }

  /** Hands over the outcomes not yet recorded, for the statement that ends the job. */
  takeUsage(): KeyUsage[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  /** Takes back outcomes handed over whose statement failed. */
  giveBackUsage(usage: readonly KeyUsage[]): void {
    this.pending.unshift(...usage);
  }

  /** Records the outcomes not yet recorded, on their own. */
  async flushUsage(): Promise<void> {
    const taken = this.takeUsage();
    await recordKeyUsage(this.db, taken).catch((error: unknown) => {
      this.giveBackUsage(taken);
      throw error;
    });
  }

  /** Gives back a reservation that was not used (the job turned out to be over). */
  async release(): Promise<void> {
    const lease = this.prepared;
    this.prepared = undefined;
    this.preparedCount = undefined;
    if (lease)
      await this.orchestrator.settle(lease, { outcome: "release", latencyMs: 0, tokens: 0 });
  }

  async chat(request: ChatRequest): Promise<RoutedAnswer> {
    const est = estimateTokens(request);
    const maxTries = this.orchestrator.keysOf(this.provider).length * 2 + 1;
    for (let tries = 0; tries < maxTries; tries++) {
      let lease = this.prepared;
      const countLater = lease !== undefined ? this.preparedCount : undefined;
      this.prepared = undefined;
      this.preparedCount = undefined;
      // A key held ahead for this queue serves a further call too (after a failure, say).
      lease ??= this.shelf?.take(this.failedKeys);
      if (!lease) {
        const res = await this.orchestrator.acquire(this.provider, {
          estTokens: est,
          exclude: this.failedKeys,
        });
        if (!res.ok) {
          // Keys failed this job and the rest cannot take it now: the provider failed it,
          // unless the failures were the keys' own (down, hanging, revoked: nothing about this
          // job) and another key is only throttled (a per-minute limit, a retry-after). Then the
          // job waits for that key, spending no attempt, as if it had drawn that key first.
          if (this.failedKeys.size > 0 && this.lastError && !this.waitsForThrottled(res.blocks))
            throw this.lastError;
          throw new CapacityWait(this.provider, res.waitMs, res.blocks);
        }
        lease = res.lease;
      }
      const started = Date.now();
      // The request is counted in Postgres as it starts, alongside the call (no added latency),
      // so a call in flight when this worker dies still shows in ai_provider_usage. Its outcome
      // is added after; if this first write failed, the second counts the request instead.
      // A prepared call counted by the job's start is asked about once it has ended (below).
      let resolveLater: ((counted: Promise<boolean>) => void) | undefined;
      const counted = countLater
        ? new Promise<boolean>((resolve) => (resolveLater = resolve))
        : recordProviderRequest(this.db, {
            provider: this.provider,
            keyId: lease.keyId,
          }).then(
            () => true,
            () => false,
          );
      const ended = (succeeded: boolean) =>
        resolveLater?.(countLater!(succeeded).catch(() => false));
      try {
        const result = await lease.client.chat(request).then(
          (r) => (ended(true), r),
          (e: unknown) => {
            ended(false);
            throw e;
          },
        );
        const answer: RoutedAnswer = { ...result, provider: this.provider, keyId: lease.keyId };
        this.leases.set(answer, { lease, counted });
        return answer;
      } catch (error) {
        const err = isProviderError(error)
          ? error
          : new ProviderError({
              kind: "connection",
              provider: this.provider,
              keyId: lease.keyId,
              message: `${lease.keyId}: call failed`,
            });
        const outcome = outcomeFor(err.kind);
        await this.account(lease, counted, {
          outcome,
          latencyMs: Date.now() - started,
          promptTokens: 0,
          completionTokens: 0,
          ok: false,
          ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
          reason: err.message,
        });
        this.logger.warn(
          { provider: this.provider, keyId: lease.keyId, kind: err.kind, status: err.status },
          "provider call failed",
        );
        if (err.kind === "aborted") throw err;
        // A rate-limited key is paused for everyone; the others are fair game.
        if (outcome !== "rate") this.failedKeys.add(lease.keyId);
        if (err.kind === "bad_request" || err.kind === "invalid_output") this.keyFaultsOnly = false;
        this.lastError = err;
      }
    }
    throw this.lastError!;
  }

  /**
   * Waiting for a throttled key serves this job better than failing it on this provider:
   * another provider takes it meanwhile if one can now (see the processor's waitOrMove).
   */
  private waitsForThrottled(blocks: readonly KeyBlock[]): boolean {
    return this.keyFaultsOnly && blocks.some((b) => b.kind === "throttled");
  }

  async report(answer: RoutedAnswer, usable: boolean): Promise<void> {
    const call = this.leases.get(answer);
    if (!call) return;
    this.leases.delete(answer);
    await this.account(call.lease, call.counted, {
      outcome: usable ? "ok" : "fail",
      latencyMs: answer.latencyMs,
      promptTokens: answer.usage.promptTokens,
      completionTokens: answer.usage.completionTokens,
      ok: usable,
      ...(usable ? {} : { reason: "invalid output" }),
    });
  }

  private async account(
    lease: Lease,
    counted: Promise<boolean>,
    call: {
      outcome: Exclude<Outcome, "release">;
      latencyMs: number;
      promptTokens: number;
      completionTokens: number;
      ok: boolean;
      retryAfterMs?: number;
      reason?: string;
    },
  ): Promise<void> {
    this.usage.providerCalls++;
    this.usage.promptTokens += call.promptTokens;
    this.usage.completionTokens += call.completionTokens;
    // A failure is settled at once: the key's shared state (a pause after a 429, the breaker)
    // must change before the next call. A success is settled with the job's next writes, in the
    // same Redis round trip (`settleLater`). The Postgres record of the outcome waits for the
    // job's next write (its request is counted already).
    const settle = () =>
      this.orchestrator.settle(lease, {
        outcome: call.outcome,
        latencyMs: call.latencyMs,
        tokens: call.promptTokens + call.completionTokens,
        ...(call.retryAfterMs !== undefined ? { retryAfterMs: call.retryAfterMs } : {}),
        ...(call.reason !== undefined ? { reason: call.reason } : {}),
      });
    if (call.outcome === "ok") this.unsettled.push(settle);
    await Promise.all([
      call.outcome === "ok" ? undefined : settle(),
      counted.then((wasCounted) => {
        this.pending.push({
          provider: this.provider,
          keyId: lease.keyId,
          requests: wasCounted ? 0 : 1,
          promptTokens: call.promptTokens,
          completionTokens: call.completionTokens,
          failures: call.ok ? 0 : 1,
        });
      }),
    ]);
  }
}
