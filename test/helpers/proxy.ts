import net from "node:net";

/**
 * A TCP proxy on loopback in front of a real service, to make it fail on cue:
 * - `stall()`: connections stay open but nothing passes, held back in order (a hung server);
 * - `down()`: every connection is cut and new ones are refused at once (a dead server);
 * - `up()`: traffic flows again.
 */
export interface FaultProxy {
  port: number;
  url(base: string): string;
  stall(): void;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(
  targetPort: number,
  targetHost = "127.0.0.1",
): Promise<FaultProxy> {
  let mode: "up" | "stall" | "down" = "up";
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();

  const server = net.createServer((client) => {
    if (mode === "down") {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    // Piped, so that pausing the reads holds data back in order (as a hung peer or a congested
    // network would) and resuming delivers it.
    client.pipe(upstream);
    upstream.pipe(client);
    if (mode === "stall") {
      client.pause();
      upstream.pause();
    }
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
      for (const p of pairs) {
        p.client.unpipe(p.upstream);
        p.upstream.unpipe(p.client);
        p.client.pause();
        p.upstream.pause();
      }
    },
    down() {
      mode = "down";
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
    },
    up() {
      if (mode === "stall") {
        for (const p of pairs) {
          p.client.pipe(p.upstream);
          p.upstream.pipe(p.client);
        }
      }
      mode = "up";
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
