import { Router, type Response } from "express";
import { getBatch, type Database } from "@qforge/database";
import { batchChannel, type ChangeListener } from "@qforge/queues";
import type { BatchView } from "@qforge/schemas";
import { notFound } from "../problem.ts";

// GET /api/v1/batches/{id}/events — Server-Sent Events.
//
// `event: progress` carries the Batch (as GET /batches/{id}) on connect and whenever it changed;
// `event: end` carries the final Batch once it is completed or cancelled, then the stream closes.
// Changes arrive through Redis pub/sub (any worker, any API process); each one only schedules a
// re-read of the batch row, and re-reads are coalesced to at most one per READ_INTERVAL_MS, so a
// 10,000-job batch costs a few reads per second, not one per job. A slow periodic re-read covers
// events lost to a Redis hiccup.

const READ_INTERVAL_MS = 250;
const SAFETY_POLL_MS = 5_000;
const HEARTBEAT_MS = 15_000;
const ENDED = new Set<BatchView["status"]>(["completed", "cancelled"]);

export interface EventsDeps {
  db: Database;
  listener: ChangeListener;
  queuePrefix: string;
  /** Aborted when the server shuts down: open streams end so that it can close. */
  closing?: AbortSignal;
}

function send(res: Response, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function eventsRouter(deps: EventsDeps): Router {
  const { db, listener, queuePrefix } = deps;
  const router = Router();

  router.get("/batches/:id/events", async (req, res) => {
    const tenantId = req.tenantId;
    const id = req.params.id;
    // Subscribe before the first read, so that no change between the two is missed.
    let dirty = false;
    let schedule: () => void = () => {
      dirty = true;
    };
    const stopListening = await listener
      .listen(batchChannel(queuePrefix, id), () => schedule())
      .catch(() => undefined); // Redis down: the periodic re-read still follows the batch
    let first: BatchView | null;
    try {
      first = await getBatch(db, tenantId, id);
    } catch (error) {
      stopListening?.();
      throw error;
    }
    if (!first) {
      stopListening?.();
      throw notFound("batch");
    }

    res.status(200);
    res.setHeader("content-type", "text/event-stream; charset=utf-8");
    res.setHeader("cache-control", "no-cache, no-transform");
    res.setHeader("connection", "keep-alive");
    // nginx and similar proxies buffer responses unless told not to.
    res.setHeader("x-accel-buffering", "no");
    res.flushHeaders();
    res.write("retry: 3000\n\n");

    let last = JSON.stringify(first);
    let closed = false;
    let reading = false;
    let lastRead = Date.now();
    let readTimer: NodeJS.Timeout | undefined;
    const timers: NodeJS.Timeout[] = [];

    const finish = () => {
      if (closed) return;
      closed = true;
      clearTimeout(readTimer);
      for (const t of timers) clearInterval(t);
      stopListening?.();
      deps.closing?.removeEventListener("abort", finish);
      res.end();
    };

    const emit = (batch: BatchView) => {
      if (ENDED.has(batch.status)) {
        send(res, "end", batch);
        finish();
        return;
      }
      const text = JSON.stringify(batch);
      if (text !== last) {
        last = text;
        send(res, "progress", batch);
      }
    };

    const read = async () => {
      if (closed || reading) {
        dirty = true;
        return;
      }
      reading = true;
      dirty = false;
      lastRead = Date.now();
      try {
        const batch = await getBatch(db, tenantId, id);
        if (!closed && batch) emit(batch);
      } catch {
        // Postgres out of reach: keep the stream; the next change or poll reads again.
      } finally {
        reading = false;
      }
      if (dirty && !closed) schedule();
    };

    schedule = () => {
      if (closed || readTimer) {
        dirty = true;
        return;
      }
      const wait = Math.max(0, lastRead + READ_INTERVAL_MS - Date.now());
      readTimer = setTimeout(() => {
        readTimer = undefined;
        void read();
      }, wait);
    };

    res.on("close", finish);
    deps.closing?.addEventListener("abort", finish);
    timers.push(setInterval(() => schedule(), SAFETY_POLL_MS));
    // A comment line: keeps proxies and load balancers from closing an idle stream.
    timers.push(setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS));

    send(res, "progress", first);
    if (ENDED.has(first.status)) {
      send(res, "end", first);
      finish();
      return;
    }
    if (dirty) schedule();
  });

  return router;
}
