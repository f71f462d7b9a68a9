import { isStoreUnavailable } from "./unavailable.ts";

// Group commit for the hot transitions. A worker runs many jobs at once, and their starts and
// ends each used to be a statement of their own: on these machines a round trip to Postgres
// (a write and a wake-up on both sides) costs more CPU than the statement itself. Calls of one
// kind that arrive while one of that kind is in flight wait for it and then go as one statement.
// The first call waits only for the end of the event loop's current turn (setImmediate): the
// other jobs whose I/O completed in the same turn join it (in the bench's pipeline, Postgres
// commits a job went from 0.88 to 0.63, its CPU a job down by a tenth). Under load, groups grow
// by themselves; no timer, no batch size to tune. (No library does this for node-postgres: its
// client has no pipelining, and DataLoader is a cache-and-dedupe loader for reads.)

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export interface GroupStats {
  /** Statements run, and the calls they served. */
  statements: number;
  calls: number;
  /** Groups that failed and were run again one call at a time. */
  retried: number;
}

export class Grouper<I, O> {
  private pending: Pending<I, O>[] = [];
  private flushing = false;
  readonly stats: GroupStats = { statements: 0, calls: 0, retried: 0 };

  constructor(
    /** Runs items as one statement; answers in their order. */
    private readonly run: (items: I[]) => Promise<O[]>,
    /** Items with the same key never share a statement (one statement changes a row once). */
    private readonly keyOf: (item: I) => string,
    private readonly maxGroup = 100,
  ) {}

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Runs the pending calls, group after group; `call` has set `flushing` already. */
  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) await this.runGroup(this.takeGroup());
    } finally {
      this.flushing = false;
    }
  }

  /** The oldest pending calls, at most one per key and `maxGroup` in all. */
  private takeGroup(): Pending<I, O>[] {
    const group: Pending<I, O>[] = [];
    const keys = new Set<string>();
    const rest: Pending<I, O>[] = [];
    for (const p of this.pending) {
      const key = this.keyOf(p.item);
      if (group.length < this.maxGroup && !keys.has(key)) {
        keys.add(key);
        group.push(p);
      } else {
        rest.push(p);
      }
    }
    this.pending = rest;
    return group;
  }

  private async runGroup(group: Pending<I, O>[]): Promise<void> {
    try {
      this.stats.statements++;
      this.stats.calls += group.length;
      const out = await this.run(group.map((p) => p.item));
      group.forEach((p, i) => p.resolve(out[i]!));
    } catch (error) {
      // Postgres is away: every call of the group gets that answer, as each alone would have.
      // Anything else (a deadlock with another worker's group, one item's bad data) must not
      // fail the others: each runs again on its own and gets its own answer.
      if (group.length === 1 || isStoreUnavailable(error)) {
        for (const p of group) p.reject(error);
        return;
      }
      this.stats.retried++;
      for (const p of group) {
        try {
          this.stats.statements++;
          const [one] = await this.run([p.item]);
          p.resolve(one!);
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }
}

/** One grouper per key (a connection pool) and kind, made on first use. */
export function groupersFor<K extends object, G>(make: (key: K) => G): (key: K) => G {
  const made = new WeakMap<K, G>();
  return (key) => {
    let g = made.get(key);
    if (!g) {
      g = make(key);
      made.set(key, g);
    }
    return g;
  };
}
