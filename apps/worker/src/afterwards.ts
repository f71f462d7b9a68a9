/**
 * Work that follows a job's commit and need not hold the job's slot: settling its key's
 * reservation, publishing the change to listeners, the cache write, all in Redis and all best
 * effort (the record is Postgres; a reservation not settled expires). Once the row is committed
 * the slot goes to the next job, and this work waits for the next Redis command the worker sends
 * anyway, the next job's key reservation (`flush`), or `delayMs` at most, so the two share one
 * round trip of the auto-pipelined client: one wake-up of Redis and of the worker instead of two.
 * How much may run or wait at once is bounded; shutdown waits for all of it.
 *
 * Our own: p-limit and friends bound concurrency, while this defers work to ride along with
 * other commands, which no library we know of does.
 */
export class Afterwards {
  private waiting: (() => Promise<unknown>)[] = [];
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Above this many running or waiting, `add` waits. */
    private readonly limit: number,
    private readonly delayMs = 5,
  ) {}

  /** How many are running or waiting. */
  get size(): number {
    return this.running.size + this.waiting.length;
  }

  /**
   * Queues `work`; its errors are the caller's to handle (a rejection is dropped here). The
   * returned promise resolves at once, or when no more than `limit` are left.
   */
  async add(work: () => Promise<unknown>): Promise<void> {
    this.waiting.push(work);
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
    if (this.size <= this.limit) return;
    this.flush();
    while (this.size > this.limit) await Promise.race(this.running);
  }

  /** Starts what waits, now: call it just before sending a Redis command of one's own. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const works = this.waiting;
    this.waiting = [];
    for (const work of works) {
      let started: Promise<unknown>;
      try {
        started = work();
      } catch {
        continue;
      }
      const done: Promise<void> = started.then(
        () => void this.running.delete(done),
        () => void this.running.delete(done),
      );
      this.running.add(done);
    }
  }

  /** Resolves when everything added so far, and whatever it added meanwhile, has finished. */
  async drain(): Promise<void> {
    for (;;) {
      this.flush();
      if (this.running.size === 0) return;
      await Promise.all(this.running);
    }
  }
}
