import type { Server } from "node:http";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "@qforge/config";
import { createDatabase, type Database } from "@qforge/database";
import type { Logger } from "@qforge/logger";
import {
  ChangeListener,
  createRedis,
  PROVIDER_QUEUES,
  WEBHOOKS_QUEUE,
  type ProviderQueueName,
} from "@qforge/queues";
import { createApp } from "./app.ts";

export interface ApiServer {
  server: Server;
  url: string;
  db: Database;
  close(): Promise<void>;
}

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
    listener,
    queueFor: () => entry,
    queueNamed,
    logger,
    queues: allQueues,
    closing: closing.signal,
  });
  const server = app.listen(listen.port ?? config.port, listen.host ?? config.host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  // Slow clients may not hold a connection open for ever.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = listen.host ?? config.host;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;

  return {
    server,
    url,
    db,
    async close() {
      closing.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
      await listener.close();
      redis.disconnect();
      await db.$disconnect();
    },
  };
}
