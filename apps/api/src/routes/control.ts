import { Router } from "express";
import type { Control } from "../control.ts";
import { HttpProblem, notFound } from "../problem.ts";

const conflict = (detail: string) => new HttpProblem(409, "conflict", "Conflict", detail);

/** `POST /batches/{id}/cancel`, `POST /jobs/{id}/cancel`, `POST /batches/{id}/retry`. */
export function controlRouter(control: Control): Router {
  const router = Router();

  router.post("/batches/:id/cancel", async (req, res) => {
    const result = await control.cancelBatch(req.tenantId, req.params.id);
    if (result.outcome === "not_found") throw notFound("batch");
    if (result.outcome === "ended") {
      throw conflict(
        "the batch has already completed; only a batch still running can be cancelled",
      );
    }
    res.json(result.batch);
  });

  router.post("/jobs/:id/cancel", async (req, res) => {
    const result = await control.cancelJob(req.tenantId, req.params.id);
    if (result.outcome === "not_found") throw notFound("job");
    if (result.outcome === "conflict") {
      throw conflict(`the job is ${result.job.status}; only a queued job can be cancelled`);
    }
    res.json(result.job);
  });

  router.post("/batches/:id/retry", async (req, res) => {
    const result = await control.retryBatch(req.tenantId, req.params.id);
    if (result.outcome === "not_found") throw notFound("batch");
    if (result.outcome === "cancelled") {
      throw conflict("the batch was cancelled; a cancelled batch is not retried");
    }
    res.json(result.batch);
  });

  return router;
}
