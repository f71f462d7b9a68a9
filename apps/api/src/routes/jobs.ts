import { Router } from "express";
import { getJob, type Database } from "@qforge/database";
import { jobChannel, type ChangeListener } from "@qforge/queues";
import { ENDED_JOB_STATUSES, type JobView } from "@qforge/schemas";
import { notFound } from "../problem.ts";

export function jobsRouter(db: Database): Router {
  const router = Router();
  router.get("/jobs/:id", async (req, res) => {
    const job = await getJob(db, req.tenantId, req.params.id);
    if (!job) throw notFound("job");
    res.json(job);
  });
  return router;
}

/**
 * Waits until the job has ended or `seconds` pass, woken by its change events from any worker
 * process; a slow poll of Postgres covers an event lost to a Redis hiccup.
 */
export async function waitForJob(
  db: Database,
  listener: ChangeListener,
  prefix: string,
  tenantId: string,
  job: JobView,
  seconds: number,
  signal: AbortSignal,
): Promise<JobView> {
  const deadline = Date.now() + seconds * 1000;
  let wake: (() => void) | undefined;
  const stop = await listener
    .listen(jobChannel(prefix, job.id), () => wake?.())
    .catch(() => undefined);
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    let current = job;
    for (;;) {
      const fresh = await getJob(db, tenantId, job.id);
      if (fresh) current = fresh;
      const left = deadline - Date.now();
      if (ENDED_JOB_STATUSES.has(current.status) || left <= 0 || signal.aborted) return current;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(1000, left));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    stop?.();
  }
}
