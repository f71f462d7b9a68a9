import { Router } from "express";
import type { Redis } from "ioredis";
import type { Config } from "@qforge/config";
import { readProviderStatus } from "@qforge/orchestrator";

/** `GET /api/v1/providers`: every configured provider and key, as the workers share it. */
export function providersRouter(config: Config, redis: Redis): Router {
  const router = Router();
  router.get("/providers", async (_req, res) => {
    res.json({ data: await readProviderStatus(redis, config) });
  });
  return router;
}
