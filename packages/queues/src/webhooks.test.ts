import { expect, test } from "vitest";
import {
  WEBHOOK_DELIVERY_ATTEMPTS,
  WEBHOOK_RETRY_WINDOW_MS,
  webhookJobOptions,
  webhookRetryDelayMs,
} from "./webhooks.ts";

// The retry schedule of webhook deliveries, checked as a function rather than on the clock.

const delays = Array.from({ length: WEBHOOK_DELIVERY_ATTEMPTS - 1 }, (_, i) =>
  webhookRetryDelayMs(i + 1),
);
const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

test("the first retry comes within 10 s, then the waits double up to an hour", () => {
  expect(webhookRetryDelayMs(1)).toBeLessThanOrEqual(10_000);
  expect(delays.slice(0, 4)).toEqual([5_000, 10_000, 20_000, 40_000]);
  for (let i = 1; i < delays.length; i++) {
    expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(delays[i]).toBeLessThanOrEqual(2 * delays[i - 1]!);
  }
  expect(Math.max(...delays)).toBe(3_600_000);
  expect(webhookRetryDelayMs(1000)).toBe(3_600_000);
});

test("the attempts cover at least 24 hours, and not much more", () => {
  expect(WEBHOOK_RETRY_WINDOW_MS).toBe(24 * 3_600_000);
  expect(sum(delays)).toBeGreaterThanOrEqual(24 * 3_600_000);
  // One attempt fewer would fall short: the count is the smallest that covers the window.
  expect(sum(delays.slice(0, -1))).toBeLessThan(24 * 3_600_000);
  expect(WEBHOOK_DELIVERY_ATTEMPTS).toBe(34);
});

test("each delivery is one BullMQ job under its delivery id, with that schedule", () => {
  expect(webhookJobOptions("d-1")).toMatchObject({
    jobId: "d-1",
    attempts: WEBHOOK_DELIVERY_ATTEMPTS,
    backoff: { type: "webhook" },
  });
});
