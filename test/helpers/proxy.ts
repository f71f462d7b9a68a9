import net from "node:net";
import { Transform, type TransformCallback } from "node:stream";

/**
 * A TCP proxy on loopback in front of a real service, to make it fail on cue:
 * - `stall()`: connections stay open but nothing passes, held back in order (a hung server);
 * - `down()`: every connection is cut and new ones are refused at once (a dead server);
 * - `up()`: traffic flows again;
 * - `holdWhen(text)`: the first client message containing `text` (e.g. a Redis command and its
 *   argument) is held, and the proxy stalls from there: freezes a client at an exact step.
 */
export interface FaultProxy {
  port: number;
  url(base: string): string;
  stall(): void;
  down(): void;
  up(): void;
  /** Resolves when a message containing `text` arrived (and was held). */
  holdWhen(text: string): Promise<void>;
  /** Client connections still open through the proxy. */
  openConnections(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(
  targetPort: number,
  targetHost = "127.0.0.1",
): Promise<FaultProxy> {
  let mode: "up" | "stall" | "down" = "up";
  let trigger: { text: string; fired: () => void } | undefined;
  /** Chunks held while stalled, in arrival order per stream (each stream waits on its own). */
  let held: Array<() => void> = [];
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();

  // A pass-through that holds chunks while the proxy is stalled: a held chunk's callback is not
  // called, so the stream behind it stops too, and data resumes in order on up().
  const gate = (inspect: boolean) =>
    new Transform({
      transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
        if (inspect && trigger && chunk.includes(trigger.text)) {
          const t = trigger;
          trigger = undefined;
          mode = "stall";
          t.fired();
        }
        if (mode === "stall") held.push(() => done(null, chunk));
        else done(null, chunk);
      },
    });

  const server = net.createServer((client) => {
    if (mode === "down") {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(gate(true)).pipe(upstream);
    upstream.pipe(gate(false)).pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;

  const cutAll = () => {
    for (const p of pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    pairs.clear();
    held = [];
  };

  return {
    port,
    url(base) {
      const u = new URL(base);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    stall() {
      mode = "stall";
    },
    down() {
      mode = "down";
      cutAll();
    },
    up() {
      mode = "up";
      const release = held;
      held = [];
      for (const go of release) go();
    },
    openConnections: () => pairs.size,
    holdWhen(text) {
      return new Promise<void>((resolve) => {
        trigger = { text, fired: resolve };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        trigger = undefined;
        cutAll();
        server.close(() => resolve());
      }),
  };
}
