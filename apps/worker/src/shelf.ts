import type { Lease, Orchestrator } from "@qforge/orchestrator";
import type { ProviderName } from "@qforge/providers";
import type { Logger } from "@qforge/logger";

/** Above this share of a key's tightest limit, nothing is reserved ahead on it. */
const MAX_USED = 0.5;

/**
 * Keys reserved ahead for the next jobs of one provider queue in this process. A job that ends
 * reserves one for the job after it, in the same Redis round trip as its own bookkeeping (see
 * Afterwards), so that job starts without a round trip of its own: one less wait on every job's
 * path. A reservation is a real one (limits, quotas, breakers and health all had their say a
 * moment before: BullMQ hands the slot its next job meanwhile, usually within a millisecond or
 * two), its estimate is corrected when its call settles, and one not taken within `maxAgeMs` is
 * given back, as is every one still here at shutdown. At most `max` are held.
 */
export class LeaseShelf {
  private leases: { lease: Lease; at: number }[] = [];
  private reserving = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly provider: ProviderName,
    private readonly logger: Logger,
    private readonly max: number,
    private readonly maxAgeMs = 100,
  ) {}

  /** How many are held. */
  get size(): number {
    return this.leases.length;
  }

  /** The oldest reservation still fresh, on a key not in `exclude`, or undefined. */
  take(exclude?: ReadonlySet<string>): Lease | undefined {
    this.releaseStale();
    const i = exclude ? this.leases.findIndex((l) => !exclude.has(l.lease.keyId)) : 0;
    if (i < 0 || i >= this.leases.length) return undefined;
    return this.leases.splice(i, 1)[0]!.lease;
  }

  /** Reserves one more for a next job, unless `max` are held or on their way. */
  async reserve(estTokens: number): Promise<void> {
    if (this.closed || this.leases.length + this.reserving >= this.max) return;
    this.reserving++;
    try {
      const res = await this.orchestrator.acquire(this.provider, { estTokens });
      // None free now: the next job reserves for itself, and waits or moves as usual.
      if (!res.ok) return;
      // Held ahead, a reservation is capacity no one else can use: only while the key has plenty
      // (a job that must try another key after a failure finds one), and never a probe.
      if (this.closed || res.lease.probe || res.lease.used > MAX_USED) {
        return void (await this.release(res.lease));
      }
      this.leases.push({ lease: res.lease, at: Date.now() });
      this.timer ??= setTimeout(() => this.expire(), this.maxAgeMs);
    } finally {
      this.reserving--;
    }
  }

  /** Gives back every reservation held, and takes no more (shutdown). */
  async releaseAll(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const all = this.leases;
    this.leases = [];
    await Promise.all(all.map(({ lease }) => this.release(lease)));
  }

  private expire(): void {
    this.timer = undefined;
    this.releaseStale();
    if (this.leases.length > 0) this.timer = setTimeout(() => this.expire(), this.maxAgeMs);
  }

  /** Gives back the reservations held longer than `maxAgeMs` (the oldest are first). */
  private releaseStale(): void {
    const stale = Date.now() - this.maxAgeMs;
    while (this.leases.length > 0 && this.leases[0]!.at < stale) {
      void this.release(this.leases.shift()!.lease);
    }
  }

  private release(lease: Lease): Promise<void> {
    return this.orchestrator
      .settle(lease, { outcome: "release", latencyMs: 0, tokens: 0 })
      .catch((err: unknown) =>
        this.logger.warn({ err, provider: this.provider }, "could not give back a key reservation"),
      );
  }
}
