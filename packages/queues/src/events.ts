import type { Redis } from "ioredis";

// Job and batch changes are published on Redis, per job and per batch, so that any API process
// can wake a `?wait=` request or an SSE stream, whichever worker process made the change.

export const jobChannel = (prefix: string, jobId: string) => `${prefix}:events:job:${jobId}`;
export const batchChannel = (prefix: string, batchId: string) =>
  `${prefix}:events:batch:${batchId}`;

export interface ChangeEvent {
  type: "job" | "batch";
  id: string;
  status: string;
}

export async function publishChange(
  redis: Redis,
  prefix: string,
  change: { jobId: string; jobStatus: string; batchId: string | null; batchStatus: string | null },
): Promise<void> {
  // Only a lone job has anyone waiting on it (`?wait=` of its submission); a batch's jobs are
  // followed through their batch's channel (its SSE stream).
  if (!change.batchId) {
    await redis.publish(
      jobChannel(prefix, change.jobId),
      JSON.stringify({ type: "job", id: change.jobId, status: change.jobStatus }),
    );
    return;
  }
  await redis.publish(
    batchChannel(prefix, change.batchId),
    JSON.stringify({ type: "batch", id: change.batchId, status: change.batchStatus ?? "" }),
  );
}

/** Tells listeners (SSE streams, `?wait=`) that a batch changed outside a job transition. */
export async function publishBatchChange(
  redis: Redis,
  prefix: string,
  batchId: string,
  status: string,
): Promise<void> {
  await redis.publish(
    batchChannel(prefix, batchId),
    JSON.stringify({ type: "batch", id: batchId, status }),
  );
}

/** One subscriber connection per process, shared by every listener (reference-counted). */
export class ChangeListener {
  private readonly handlers = new Map<string, Set<(e: ChangeEvent) => void>>();
  private readonly subscribed = new Map<string, Promise<unknown>>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on("message", (channel: string, message: string) => {
      const set = this.handlers.get(channel);
      if (!set) return;
      let event: ChangeEvent;
      try {
        event = JSON.parse(message) as ChangeEvent;
      } catch {
        return;
      }
      for (const h of set) h(event);
    });
  }

  /** Calls `handler` for every change on `channel` until the returned function is called. */
  async listen(channel: string, handler: (e: ChangeEvent) => void): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      this.subscribed.set(channel, this.subscriber.subscribe(channel));
    }
    set.add(handler);
    // Every caller waits for the subscription, not only the first: a change published before
    // SUBSCRIBE took effect would be missed.
    await this.subscribed.get(channel);
    return () => {
      const current = this.handlers.get(channel);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(channel);
        this.subscribed.delete(channel);
        this.subscriber.unsubscribe(channel).catch(() => {});
      }
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.subscriber.disconnect();
  }
}
