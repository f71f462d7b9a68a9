import { createParser, type EventSourceMessage } from "eventsource-parser";

/** An SSE stream read with fetch and eventsource-parser, as a non-browser client would. */
export interface SseStream {
  status: number;
  headers: Headers;
  /** Every event received so far, in order. */
  events: EventSourceMessage[];
  /** Comment lines (heartbeats) received so far. */
  comments: string[];
  /** Resolves when the server closes the stream. */
  ended: Promise<void>;
  /** Resolves with the first event (already received or not) that `match` accepts. */
  next(match: (e: EventSourceMessage) => boolean, timeoutMs?: number): Promise<EventSourceMessage>;
  /** Closes the stream from the client side. */
  abort(): void;
}

export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: controller.signal,
  });
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const parser = createParser({
    onEvent: (e) => {
      events.push(e);
      for (const w of waiters) w();
    },
    onComment: (c) => comments.push(c),
  });

  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // aborted by the client
    }
  })();
  let isEnded = false;
  void ended.then(() => {
    isEnded = true;
    for (const w of waiters) w();
  });

  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    ended,
    next(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            cleanup();
            resolve(found);
          } else if (isEnded) {
            cleanup();
            reject(new Error(`stream ended without the event; got ${JSON.stringify(events)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no such event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    abort: () => controller.abort(),
  };
}
