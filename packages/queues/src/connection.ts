import { Redis, type RedisOptions } from "ioredis";

/**
 * - `worker`: blocking BullMQ connections; commands wait through reconnects (BullMQ requires
 *   `maxRetriesPerRequest: null`).
 * - `client`: request paths (API); a command fails at once while Redis is unreachable, so the
 *   API answers 503 instead of hanging.
 * - `subscriber`: pub/sub; reconnects and re-subscribes by itself.
 */
export type ConnectionRole = "worker" | "client" | "subscriber";

export function createRedis(url: string, role: ConnectionRole): Redis {
  const options: RedisOptions =
    role === "client"
      ? // commandTimeout: a Redis that stops answering (not only one that refuses) is a 503 too.
        {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 5000,
          commandTimeout: 5000,
        }
      : { maxRetriesPerRequest: null, connectTimeout: 5000 };
  const redis = new Redis(url, { ...options, lazyConnect: false });
  // ioredis reports connection errors as events; without a listener they would crash the process.
  redis.on("error", () => {});
  return redis;
}
