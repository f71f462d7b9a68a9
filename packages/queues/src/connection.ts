import { Redis, type RedisOptions } from "ioredis";

/**
 * - `worker`: blocking BullMQ connections; commands wait through reconnects (BullMQ requires
 *   `maxRetriesPerRequest: null`).
 * - `client`: request paths (API); a command fails at once while Redis is unreachable, so the
 *   API answers 503 instead of hanging.
 * - `subscriber`: pub/sub; reconnects and re-subscribes by itself.
 */
export type ConnectionRole = "worker" | "client" | "subscriber";

export function createRedis(
  url: string,
  role: ConnectionRole,
  /**
   * Commands sent in the same tick go out in one write (ioredis auto-pipelining): for a
   * process's own client, never for BullMQ's blocking connections.
   */
  opts: { pipelining?: boolean } = {},
): Redis {
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
  const redis = new Redis(url, {
    ...options,
    lazyConnect: false,
    ...(opts.pipelining ? { enableAutoPipelining: true } : {}),
  });
  // ioredis reports connection errors as events; without a listener they would crash the process.
  redis.on("error", () => {});
  return redis;
}

/**
 * BullMQ loses jobs if Redis evicts its keys under memory pressure: the only safe
 * `maxmemory-policy` is `noeviction`. Returns a warning to log, or null when the policy is right.
 * Managed Redis often disables CONFIG; INFO reports the policy too, so it is the fallback.
 */
export async function evictionPolicyWarning(redis: Redis): Promise<string | null> {
  let policy: string | undefined;
  try {
    const reply = (await redis.call("CONFIG", "GET", "maxmemory-policy")) as string[];
    policy = reply[1];
  } catch {
    try {
      const info = await redis.info("memory");
      policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    } catch {
      // neither is allowed: said below
    }
  }
  if (policy === undefined) {
    return (
      "could not read Redis maxmemory-policy (CONFIG GET and INFO are disabled): make sure it is " +
      "noeviction, or Redis may evict queued jobs under memory pressure"
    );
  }
  if (policy === "noeviction") return null;
  return (
    `Redis maxmemory-policy is ${policy}, not noeviction: under memory pressure Redis will ` +
    "evict queue keys and LOSE JOBS. Set `maxmemory-policy noeviction` (redis.conf or CONFIG SET)"
  );
}

/** Runs the eviction-policy check once Redis is reachable (at start, or when it first comes up). */
export function checkEvictionPolicy(redis: Redis, warn: (message: string) => void): void {
  const check = () => {
    evictionPolicyWarning(redis)
      .then((message) => {
        if (message) warn(message);
      })
      .catch(() => {});
  };
  if (redis.status === "ready") check();
  else redis.once("ready", check);
}
