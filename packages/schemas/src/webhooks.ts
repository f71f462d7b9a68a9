import { z } from "zod";

export const WEBHOOK_EVENTS = [
  "job.completed",
  "job.failed",
  "batch.completed",
  "batch.cancelled",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;

/** One webhook event and how its delivery is going (`GET …/webhooks`). */
export const WebhookDeliveryView = z.object({
  id: z.string(),
  event: z.enum(WEBHOOK_EVENTS),
  /** The `webhook-id` header, the same on every attempt. */
  webhook_id: z.string(),
  url: z.string(),
  /** `pending` while attempts remain, `delivered` after a 2xx, `failed` once retries are spent. */
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int(),
  /** The HTTP status of the last attempt; null when it got no answer (or none was made yet). */
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  /** When the next attempt is due; null once delivered or given up. */
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
});
export type WebhookDeliveryView = z.infer<typeof WebhookDeliveryView>;

export const WebhookDeliveryList = z.object({ data: z.array(WebhookDeliveryView) });

export const WebhookSecretView = z.object({ secret: z.string() });
