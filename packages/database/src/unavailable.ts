// Errors that mean a backing store (Postgres or Redis) is out of reach, as opposed to a bug or
// bad input: the API answers them with 503, a worker waits and tries again without spending an
// attempt. Recognised by code or message, through `cause` chains (Prisma and ioredis wrap them).

const CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "EAI_AGAIN",
  // Prisma: can't reach server, timed out, connection closed, pool timeout.
  "P1001",
  "P1002",
  "P1017",
  "P2024",
  // Prisma: a transaction could not start in time (the pool is exhausted): overloaded, not wrong.
  "P2028",
  // Postgres: admin shutdown, crash shutdown, cannot connect now, too many connections.
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);

const MESSAGES =
  /Stream isn't writeable|enableOfflineQueue|Connection is closed|Command timed out|connect ECONNREFUSED|Can't reach database|Connection terminated|Query read timeout|timeout exceeded when trying to connect|Reached the max retries per request|the database system is (starting up|shutting down)|terminating connection due to administrator command|Client has encountered a connection error|Server has closed the connection/i;

export function isStoreUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
    const err = e as { code?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown };
    if (typeof err.code === "string" && CODES.has(err.code)) return true;
    if (typeof err.originalCode === "string" && CODES.has(err.originalCode)) return true;
    if (typeof err.message === "string" && MESSAGES.test(err.message)) return true;
    e = err.cause;
  }
  return false;
}
