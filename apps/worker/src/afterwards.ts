/**
 * Work that follows a job's commit and need not hold the job's slot: settling its key's
 * reservation, reserving one for the next job, publishing the change to listeners, the cache
 * write, all in Redis and all best effort (the record is Postgres; a reservation not settled
 * expires). Once the row is committed the slot goes to the next job (BullMQ acknowledges and
 * fetches it on its own connection meanwhile) and this runs on. How much may run at once is
 * bounded; shutdown waits for all of it before it closes the connections it uses.
 *
 * Our own: p-limit and friends queue work that has not started; this starts everything at once
 * and only makes the caller wait while too much is running.
 */
export class Afterwards {
  private readonly running = new Set<Promise<void>>();

  constructor(
    /** Above this many running, `run` waits. */
    private readonly limit: number,
  ) {}

  /** How many are running. */
  get size(): number {
    return this.running.size;
  }

  /**
   * Starts `work`; its errors are the caller's to handle (a rejection is dropped here). The
   * returned promise resolves at once, or when no more than `limit` are left running.
   */
  async run(work: () => Promise<unknown>): Promise<void> {
    let started: Promise<unknown>;
    try {
      started = work();
    } catch {
      return;
    }
    const done: Promise<void> = started.then(
      () => void this.running.delete(done),
      () => void this.running.delete(done),
    );
    this.running.add(done);
    while (this.running.size > this.limit) await Promise.race(this.running);
  }

  /** Resolves when everything started so far, and whatever it started meanwhile, has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
