import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

// A webhook receiver on loopback for tests: records every request and answers as told per path.

export interface ReceivedHook {
  path: string;
  headers: Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string>;
  body: string;
  at: number;
}

export interface Receiver {
  readonly url: string;
  readonly received: ReceivedHook[];
  /** Answers for a path, in order; once used up, 200. */
  script(path: string, ...answers: Array<number | { status: number; location?: string }>): void;
  /** The requests to `path`. */
  at(path: string): ReceivedHook[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedHook[] = [];
  const scripts = new Map<string, Array<number | { status: number; location?: string }>>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const path = req.url ?? "/";
      const h = (name: string) => String(req.headers[name] ?? "");
      received.push({
        path,
        headers: {
          "webhook-id": h("webhook-id"),
          "webhook-timestamp": h("webhook-timestamp"),
          "webhook-signature": h("webhook-signature"),
        },
        body,
        at: Date.now(),
      });
      const next = scripts.get(path)?.shift() ?? 200;
      const answer = typeof next === "number" ? { status: next } : next;
      res.writeHead(answer.status, answer.location ? { location: answer.location } : {}).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script: (path, ...answers) => scripts.set(path, [...(scripts.get(path) ?? []), ...answers]),
    at: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Verifies a received hook as any receiver would, with standardwebhooks; returns the body. */
export function verifyHook(secret: string, hook: ReceivedHook): any {
  return new Webhook(secret).verify(hook.body, hook.headers);
}
