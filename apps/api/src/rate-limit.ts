import type { RequestHandler } from "express";
import type { Redis } from "ioredis";
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
} from "rate-limiter-flexible";
import { HttpProblem } from "./problem.ts";

// API_RATE_LIMIT requests per minute per client key (tenant), counted in Redis so that every API
// process shares one budget per tenant (a fixed one-minute window per key).
//
// Redis out of reach or not answering within REDIS_TIMEOUT_MS: the request is not refused for
// that; each API process counts on its own in memory (the library's insurance limiter) until
// Redis answers again. Requests that need Redis then get their own 503; /readyz tells.

const WINDOW_SECONDS = 60;
const REDIS_TIMEOUT_MS = 500;

export interface RateLimitOptions {
  redis: Redis;
  queuePrefix: string;
  perMinute: number;
}

export function rateLimit(opts: RateLimitOptions): RequestHandler {
  const insurance = new RateLimiterMemory({ points: opts.perMinute, duration: WINDOW_SECONDS });
  const limiter = new RLWrapperTimeouts({
    limiter: new RateLimiterRedis({
      storeClient: opts.redis,
      keyPrefix: `${opts.queuePrefix}:ratelimit`,
      points: opts.perMinute,
      duration: WINDOW_SECONDS,
      // Disconnected: go to the insurance limiter at once instead of waiting for a reconnect.
      rejectIfRedisNotReady: true,
    }),
    timeoutMs: REDIS_TIMEOUT_MS,
    insuranceLimiter: insurance,
  });

  return async (req, res, next) => {
    const setHeaders = (r: RateLimiterRes) => {
      res.setHeader("ratelimit-limit", String(opts.perMinute));
      res.setHeader("ratelimit-remaining", String(Math.max(0, r.remainingPoints)));
      res.setHeader("ratelimit-reset", String(Math.ceil(r.msBeforeNext / 1000)));
    };
    try {
      setHeaders(await limiter.consume(req.tenantId));
      next();
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        setHeaders(rejection);
        const retryAfter = String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
        next(
          new HttpProblem(
            429,
            "rate-limited",
            "Too Many Requests",
            `more than ${opts.perMinute} requests per minute for this API key; retry after ${retryAfter} s`,
            undefined,
            { "retry-after": retryAfter },
          ),
        );
        return;
      }
      // Both limiters failed (should not happen: the memory one cannot): do not block traffic.
      next();
    }
  };
}
