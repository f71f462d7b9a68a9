import { Router } from "express";
import { listWebhookDeliveries, type Database } from "@qforge/database";
import type { TenantSecrets } from "@qforge/webhooks";
import { notFound } from "../problem.ts";

/** The caller's signing secret, and the delivery log of a batch or a lone job. */
export function webhooksRouter(db: Database, secrets: TenantSecrets): Router {
  const router = Router();

  router.get("/webhook-secret", async (req, res) => {
    res.setHeader("cache-control", "no-store");
    res.json({ secret: await secrets.forTenant(req.tenantId) });
  });

  router.get("/batches/:id/webhooks", async (req, res) => {
    const data = await listWebhookDeliveries(db, req.tenantId, { batchId: req.params.id });
    if (!data) throw notFound("batch");
    res.json({ data });
  });

  router.get("/jobs/:id/webhooks", async (req, res) => {
    const data = await listWebhookDeliveries(db, req.tenantId, { jobId: req.params.id });
    if (!data) throw notFound("job");
    res.json({ data });
  });

  return router;
}
