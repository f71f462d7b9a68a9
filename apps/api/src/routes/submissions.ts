import { Router } from "express";
import { getBatch, listBatches, listBatchJobs, type Database } from "@qforge/database";
import type { ChangeListener } from "@qforge/queues";
import {
  CreateBatchBody,
  ENDED_JOB_STATUSES,
  GenerateBody,
  ListBatchesQuery,
  ListJobsQuery,
  WaitQuery,
} from "@qforge/schemas";
import { coalesce } from "../coalesce.ts";
import { invalid, notFound, parseOr400 } from "../problem.ts";
import type { Submitter } from "../submit.ts";
import { waitForJob } from "./jobs.ts";

function requireBody(body: unknown): unknown {
  if (body === undefined) {
    throw invalid("a JSON body is required", [{ path: "", message: "is required" }]);
  }
  return body;
}

export function submissionsRouter(deps: {
  db: Database;
  submitter: Submitter;
  listener: ChangeListener;
  queuePrefix: string;
  /** SSRF rules for `webhook_url` (a 400 when refused). */
  checkWebhookUrl: (url: string | undefined) => Promise<void>;
  /** Aborted at shutdown: a `?wait=` answers with the job as it is now. */
  closing?: AbortSignal;
}): Router {
  const { db, submitter, listener, queuePrefix, checkWebhookUrl } = deps;
  const router = Router();
  // Clients poll batches: many polls of one batch share its reads.
  const readBatch = coalesce(
    (tenantId: string, id: string) => getBatch(db, tenantId, id),
    (tenantId, id) => `${tenantId}/${id}`,
  );

  router.post("/questions/generate", async (req, res) => {
    const { wait } = parseOr400(WaitQuery, { wait: req.query.wait }, "the query");
    const body = parseOr400(GenerateBody, requireBody(req.body), "the request body");
    await checkWebhookUrl(body.webhook_url);
    let job = await submitter.submitJob(req.tenantId, body);
    res.setHeader("location", `/api/v1/jobs/${job.id}`);
    if (wait) {
      const aborted = new AbortController();
      res.on("close", () => aborted.abort());
      const signal = deps.closing
        ? AbortSignal.any([aborted.signal, deps.closing])
        : aborted.signal;
      job = await waitForJob(db, listener, queuePrefix, req.tenantId, job, wait, signal);
    }
    res.status(ENDED_JOB_STATUSES.has(job.status) ? 200 : 202).json(job);
  });

  router.post("/batches", async (req, res) => {
    const body = parseOr400(CreateBatchBody, requireBody(req.body), "the request body");
    await checkWebhookUrl(body.webhook_url);
    const batch = await submitter.submitBatch(req.tenantId, body);
    res.setHeader("location", `/api/v1/batches/${batch.id}`);
    res.status(202).json(batch);
  });

  router.get("/batches", async (req, res) => {
    const query = parseOr400(ListBatchesQuery, req.query, "the query");
    res.json(await listBatches(db, req.tenantId, query));
  });

  router.get("/batches/:id", async (req, res) => {
    const batch = await readBatch(req.tenantId, req.params.id);
    if (!batch) throw notFound("batch");
    res.json(batch);
  });

  router.get("/batches/:id/jobs", async (req, res) => {
    const query = parseOr400(ListJobsQuery, req.query, "the query");
    const page = await listBatchJobs(db, req.tenantId, req.params.id, query);
    if (!page) throw notFound("batch");
    res.json(page);
  });

  return router;
}
