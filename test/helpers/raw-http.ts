import net from "node:net";

// HTTP/1.1 over a bare socket, for what fetch will not send: dribbled headers, duplicate or
// malformed headers, invalid bytes, a request left half-written.

export interface RawResponse {
  status: number;
  headers: Record<string, string[]>;
  body: string;
}

export interface RawConnection {
  socket: net.Socket;
  write(data: string | Buffer): Promise<void>;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves when the server closed the connection (or it failed), with what it sent. */
  closed: Promise<Buffer>;
  /** Resolves once `n` complete responses (by Content-Length) have arrived, or at close. */
  responses(n: number, timeoutMs?: number): Promise<RawResponse[]>;
  destroy(): void;
}

export async function connect(port: number, host = "127.0.0.1"): Promise<RawConnection> {
  const socket = net.connect(port, host);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const chunks: Buffer[] = [];
  let waiters: Array<() => void> = [];
  const notify = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  socket.on("data", (d: Buffer) => {
    chunks.push(d);
    notify();
  });
  const closed = new Promise<Buffer>((resolve) => {
    const done = () => {
      notify();
      resolve(Buffer.concat(chunks));
    };
    socket.once("close", done);
    socket.on("error", () => {});
  });
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  const received = () => Buffer.concat(chunks);
  return {
    socket,
    write: (data) =>
      new Promise<void>((resolve, reject) =>
        socket.write(data, (err) => (err ? reject(err) : resolve())),
      ),
    received,
    closed,
    async responses(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const parsed = parseResponses(received());
        if (parsed.length >= n || isClosed) return parsed;
        if (Date.now() > deadline) throw new Error(`no ${n} responses: ${received().toString()}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 100);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    destroy: () => socket.destroy(),
  };
}

/** Complete responses in `data` (Content-Length or chunked bodies). */
export function parseResponses(data: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = data.toString("latin1");
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) return out;
    const [statusLine, ...lines] = rest.slice(0, end).split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1]);
    const headers: Record<string, string[]> = {};
    for (const l of lines) {
      const i = l.indexOf(":");
      const name = l.slice(0, i).trim().toLowerCase();
      (headers[name] ??= []).push(l.slice(i + 1).trim());
    }
    let body: string;
    let after: string;
    const length = headers["content-length"]?.[0];
    if (headers["transfer-encoding"]?.[0]?.includes("chunked")) {
      let pos = end + 4;
      body = "";
      for (;;) {
        const lineEnd = rest.indexOf("\r\n", pos);
        if (lineEnd < 0) return out;
        const size = parseInt(rest.slice(pos, lineEnd), 16);
        if (size === 0) {
          pos = lineEnd + 4;
          break;
        }
        if (rest.length < lineEnd + 2 + size + 2) return out;
        body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
        pos = lineEnd + 2 + size + 2;
      }
      after = rest.slice(pos);
    } else {
      const len = length === undefined ? 0 : Number(length);
      if (rest.length < end + 4 + len) return out;
      body = rest.slice(end + 4, end + 4 + len);
      after = rest.slice(end + 4 + len);
    }
    out.push({ status, headers, body: Buffer.from(body, "latin1").toString("utf8") });
    rest = after;
  }
}
