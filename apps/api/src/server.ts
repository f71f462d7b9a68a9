import { createServer, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "@qforge/config";
import { createDatabase, type Database } from "@qforge/database";
import type { Logger } from "@qforge/logger";
import {
  ChangeListener,
  checkEvictionPolicy,
  createRedis,
  PROVIDER_QUEUES,
  WEBHOOKS_QUEUE,
  type ProviderQueueName,
  within,
} from "@qforge/queues";
import { createApp } from "./app.ts";

export interface ApiServer {
  server: Server;
  url: string;
  db: Database;
  /**
   * Stops accepting connections, fails readiness, answers waiting requests now and closes
   * keep-alive connections after their response; in-flight requests get `timeoutMs`
   * (SHUTDOWN_TIMEOUT_MS), then every connection is cut. Then Redis and Postgres are closed.
   * Resolves true when every request finished in time.
   */
  close(timeoutMs?: number): Promise<boolean>;
}

// Node's HTTP timeouts. Headers arrive in milliseconds from a real client: one that dribbles them
// (slowloris) is cut after HEADERS_TIMEOUT_MS with a 408. A whole request (16 MiB at most) gets
// REQUEST_TIMEOUT_MS to arrive; answering it may take longer (`?wait=`, SSE). Node checks these
// every CHECK_INTERVAL_MS (its default, 30 s, would let a slow client hold on 30 s more).
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 60_000;
const CHECK_INTERVAL_MS = 1000;

function waitReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off("ready", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once("ready", done);
  });
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    "Request Header Fields Too Large",
    "the request headers exceed 16 KiB",
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "the request did not arrive in time"],
};

/**
 * What Node's HTTP parser refuses (malformed requests, oversized headers, slow clients) is
 * answered as problem+json like every other error, instead of Node's bare status line; then the
 * connection closes, as Node would have closed it.
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const { bytesWritten } = socket as Duplex & { bytesWritten?: number };
  // As Node itself: only a connection that has not started an answer gets one.
  if (err.code === "ECONNRESET" || !socket.writable || (bytesWritten ?? 0) > 0) {
    socket.destroy();
    return;
  }
  const [status, title, detail] = CLIENT_ERRORS[err.code ?? ""] ?? [
    400,
    "Bad Request",
    "the request is not valid HTTP/1.1",
  ];
  const slug = title.toLowerCase().replace(/ /g, "-");
  const body = JSON.stringify({ type: `urn:qforge:problem:${slug}`, title, status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/** Where new jobs go: the first provider in PROVIDER_ORDER that has keys (else the first). */
export function entryQueueName(config: Config): ProviderQueueName {
  const first = config.providers[0]?.name ?? config.providerOrder[0] ?? PROVIDER_QUEUES[0];
  return first;
}

/** The API with its connections, listening on `host:port` (port 0: any free port). */
export async function startApi(
  config: Config,
  logger: Logger,
  listen: { host?: string; port?: number } = {},
): Promise<ApiServer> {
  if (!config.apiKeys) {
    logger.warn(
      "API_KEYS is not set: authentication is OFF and every caller shares one anonymous tenant",
    );
  }
  const db = createDatabase(config.databaseUrl);
  const redis = createRedis(config.redisUrl, "client");
  // Every request's rate-limit count: concurrent requests share writes (auto-pipelining). Its
  // own connection, so the queue and other commands keep ioredis' plain command timeouts.
  const rateLimitRedis = createRedis(config.redisUrl, "client", { pipelining: true });
  checkEvictionPolicy(redis, (message) => logger.warn(message));
  const listener = new ChangeListener(createRedis(config.redisUrl, "subscriber"));
  // The request-path connection refuses commands while disconnected (fail fast → 503), so give
  // it its first connection before serving; if Redis is down at start, /readyz says so.
  await waitReady(redis, 5000);
  // One Queue object per queue this process writes to (entry queue, webhooks; cancel and retry
  // also remove jobs from any provider queue), made on first use.
  const queues = new Map<string, Queue>();
  const queueNamed = (name: string): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: redis,
        prefix: config.queuePrefix,
        skipWaitingForReady: true,
      });
      q.on("error", (err) => logger.warn({ err }, "queue connection error"));
      queues.set(name, q);
    }
    return q;
  };
  const entry = queueNamed(entryQueueName(config));

  // Every queue by name, for Bull Board and /metrics (the webhooks queue is filled by workers).
  const allQueues = [...PROVIDER_QUEUES, WEBHOOKS_QUEUE].map(queueNamed);
  const closing = new AbortController();

  const app = createApp({
    config,
    db,
    redis,
    rateLimitRedis,
    listener,
    queueFor: () => entry,
    queueNamed,
    logger,
    queues: allQueues,
    closing: closing.signal,
  });
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: CHECK_INTERVAL_MS,
    },
    app,
  );
  server.on("clientError", answerClientError);
  // A connection whose response went out while stopping is closed as soon as it is idle, even
  // one that had already sent its headers (keep-alive) when the stop began.
  server.on("request", (_req, res) => {
    res.once("finish", () => {
      if (closing.signal.aborted) setImmediate(() => server.closeIdleConnections());
    });
  });
  server.listen(listen.port ?? config.port, listen.host ?? config.host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = listen.host ?? config.host;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;

  return {
    server,
    url,
    db,
    async close(timeoutMs = config.shutdownTimeoutMs) {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = await within(closed, timeoutMs);
      if (!drained) {
        logger.warn({ timeoutMs }, "shutdown: requests still in flight; closing their connections");
        server.closeAllConnections();
        await within(closed, 1000);
      }
      // Each bounded: with Redis or Postgres gone, their clients' close may wait for ever.
      await within(Promise.all([...queues.values()].map((q) => q.close().catch(() => {}))), 2000);
      await listener.close();
      redis.disconnect();
      rateLimitRedis.disconnect();
      await within(db.$disconnect(), 2000);
      return drained;
    },
  };
}
