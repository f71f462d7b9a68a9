// Following a batch until it ends: the Server-Sent Events stream of the API
// (`event: progress` with the Batch, `event: end` with the final Batch), or, where the server has
// no such stream, polling GET /batches/{id}.
import { createParser } from "eventsource-parser";
import type { BatchView } from "@qforge/schemas";
import { ApiError, CliError, type ApiClient } from "./client.ts";

export type Batch = BatchView;

export const batchEnded = (b: Batch) => b.status === "completed" || b.status === "cancelled";

/** Every job completed: the batch is done and nothing failed or was cancelled. */
export const batchSucceeded = (b: Batch) =>
  b.status === "completed" && b.counts.failed === 0 && b.counts.cancelled === 0;

export interface FollowOptions {
  onProgress: (batch: Batch) => void;
  /** Between polls when there is no event stream. */
  pollIntervalMs: number;
  /** Called once when the CLI falls back to polling, with the reason. */
  onFallback?: (reason: string) => void;
}

const batchPath = (id: string) => `/api/v1/batches/${encodeURIComponent(id)}`;

function parseBatch(data: string): Batch | undefined {
  try {
    const value = JSON.parse(data) as Batch;
    return typeof value === "object" && value !== null && typeof value.status === "string"
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

type StreamOutcome =
  { kind: "ended"; batch: Batch } | { kind: "unavailable"; reason: string; last?: Batch };

/** Reads the event stream until `end`; says so when there is none or it breaks off. */
async function followStream(
  client: ApiClient,
  id: string,
  options: FollowOptions,
): Promise<StreamOutcome> {
  let res: Response;
  try {
    res = await client.fetch(`${batchPath(id)}/events`, {
      headers: { accept: "text/event-stream" },
      timeout: false,
    });
  } catch (error) {
    return { kind: "unavailable", reason: (error as Error).message };
  }
  if (res.status === 401 || res.status === 403) throw await client.errorOf(res);
  if (!res.ok || !res.body || !/^text\/event-stream/i.test(res.headers.get("content-type") ?? "")) {
    // A 404 here is either an unknown batch or a server without the route: the poll that
    // follows tells them apart (GET /batches/{id} answers 404 only for the former).
    await res.body?.cancel().catch(() => undefined);
    return { kind: "unavailable", reason: `the event stream answered ${res.status}` };
  }

  let last: Batch | undefined;
  let ended: Batch | undefined;
  const parser = createParser({
    onEvent(event) {
      if (event.event !== "progress" && event.event !== "end") return;
      const batch = parseBatch(event.data);
      if (!batch) return;
      last = batch;
      options.onProgress(batch);
      if (event.event === "end") ended = batch;
    },
  });
  try {
    for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
      parser.feed(chunk);
      if (ended) break;
    }
  } catch (error) {
    return {
      kind: "unavailable",
      reason: `the event stream broke off (${(error as Error).message})`,
      last,
    };
  } finally {
    await res.body.cancel().catch(() => undefined);
  }
  if (ended) return { kind: "ended", batch: ended };
  if (last && batchEnded(last)) return { kind: "ended", batch: last };
  return { kind: "unavailable", reason: "the event stream closed before the batch ended", last };
}

const TRANSIENT_POLL_FAILURES = 5;

/** Polls GET /batches/{id} until the batch ends; rides out a few transient failures. */
async function poll(client: ApiClient, id: string, options: FollowOptions): Promise<Batch> {
  let failures = 0;
  for (;;) {
    let batch: Batch;
    try {
      batch = await client.json<Batch>(batchPath(id));
      failures = 0;
    } catch (error) {
      const transient = !(error instanceof ApiError) || error.status === 429 || error.status >= 500;
      if (!transient || ++failures > TRANSIENT_POLL_FAILURES) throw error;
      await sleep(options.pollIntervalMs * 2 ** failures);
      continue;
    }
    options.onProgress(batch);
    if (batchEnded(batch)) return batch;
    await sleep(options.pollIntervalMs);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows the batch to its end and returns the final Batch. */
export async function followBatch(
  client: ApiClient,
  id: string,
  options: FollowOptions,
): Promise<Batch> {
  const outcome = await followStream(client, id, options);
  if (outcome.kind === "ended") return outcome.batch;
  options.onFallback?.(outcome.reason);
  try {
    return await poll(client, id, options);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new CliError(`no batch ${id} (for this API key)`);
    }
    throw error;
  }
}
