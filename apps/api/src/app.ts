import { setMaxListeners } from "node:events";
import express, { type RequestHandler } from "express";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "@qforge/config";
import type { Database } from "@qforge/database";
import type { Logger } from "@qforge/logger";
import type { ChangeListener } from "@qforge/queues";
import { ADMIN_BASE_PATH, basicAuth, bullBoardRouter } from "./admin.ts";
import { bearerAuth } from "./auth.ts";
import { idempotency } from "./idempotency.ts";
import { createMetrics, type MetricsModule } from "./metrics.ts";
import { buildOpenApiDocument } from "./openapi.ts";
import { rateLimit } from "./rate-limit.ts";
import { requestLog } from "./request-log.ts";
import { errorHandler, HttpProblem, sendProblem, unavailable } from "./problem.ts";
import { createControl } from "./control.ts";
import { controlRouter } from "./routes/control.ts";
import { eventsRouter } from "./routes/events.ts";
import { jobsRouter } from "./routes/jobs.ts";
import { providersRouter } from "./routes/providers.ts";
import { submissionsRouter } from "./routes/submissions.ts";
import { webhooksRouter } from "./routes/webhooks.ts";
import { createSubmitter } from "./submit.ts";
import { createWebhookUrlCheck, webhookSecrets } from "./webhooks.ts";

export interface AppDeps {
  config: Config;
  db: Database;
  /** A fail-fast connection (`createRedis(url, "client")`). */
  redis: Redis;
  /** For the rate limit's counts; `redis` when not given. */
  rateLimitRedis?: Redis;
  listener: ChangeListener;
  /** The queue new generation jobs go to. */
  queueFor: () => Queue;
  /** Any queue by name (webhooks; provider queues for cancel and retry). */
  queueNamed: (name: string) => Queue;
  logger: Logger;
  /** Every queue (providers and webhooks), for Bull Board and /metrics. */
  queues?: readonly Queue[];
  /**
   * Aborted when the process begins to stop: readiness fails, waiting requests (`?wait=`) answer
   * now, SSE streams end, and each connection closes after its current response.
   */
  closing?: AbortSignal;
  /** Extra /metrics modules (see metrics.ts). */
  metricsModules?: readonly MetricsModule[];
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * A declared length over the limit is refused before anything is read (body-parser would read
 * the whole body first), and the connection closed so the rest is not waited for.
 */
const declaredTooLarge: RequestHandler = (req, res, next) => {
  const length = Number(req.headers["content-length"]);
  if (Number.isFinite(length) && length > MAX_BODY_BYTES) {
    res.setHeader("connection", "close");
    next(new HttpProblem(413, "too-large", "Content Too Large", "the body exceeds 16 MiB"));
    return;
  }
  next();
};

/** Only JSON bodies: anything else is refused before it is read. */
const jsonOnly: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers["transfer-encoding"] !== undefined ||
    (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0");
  if (hasBody && !req.is(["application/json", "application/*+json"])) {
    next(
      new HttpProblem(
        415,
        "unsupported-media-type",
        "Unsupported Media Type",
        "send the body as `Content-Type: application/json`",
      ),
    );
    return;
  }
  next();
};

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createApp(deps: AppDeps): express.Express {
  const { config, db, redis, listener, logger } = deps;
  const closing = deps.closing ?? new AbortController().signal;
  // One listener per request in flight: thousands are normal, not a leak.
  setMaxListeners(0, closing);
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");

  // While the process stops, every response ends its connection (keep-alive would hold it).
  app.use((_req, res, next) => {
    const close = () => {
      if (!res.headersSent) res.setHeader("connection", "close");
    };
    if (closing.aborted) close();
    else {
      closing.addEventListener("abort", close, { once: true });
      res.once("close", () => closing.removeEventListener("abort", close));
    }
    next();
  });

  app.use(requestLog(logger));

  // --- operator surface: metrics, OpenAPI, Bull Board (public or basic auth; no rate limit) ---
  const queues = deps.queues ?? [];
  const metrics = createMetrics({ config, db, redis, queues, logger }, deps.metricsModules);
  app.use(metrics.http);
  app.get("/metrics", metrics.handler);
  const openApiDocument = buildOpenApiDocument();
  app.get("/openapi.json", (_req, res) => {
    res.json(openApiDocument);
  });
  if (config.admin.password) {
    app.use(
      ADMIN_BASE_PATH,
      basicAuth(config.admin.user, config.admin.password),
      bullBoardRouter(queues),
    );
  }
  // --- end of operator surface ---

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/readyz", async (_req, res) => {
    if (closing.aborted) {
      // A load balancer stops sending traffic here while in-flight requests finish.
      sendProblem(res, unavailable("shutting down"));
      return;
    }
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await withTimeout(fn(), 2000);
        return "ok";
      } catch {
        return "unreachable";
      }
    };
    const [redisState, postgresState] = await Promise.all([
      check(() => redis.ping()),
      check(() => db.$queryRaw`SELECT 1`),
    ]);
    const checks = { redis: redisState, postgres: postgresState };
    if (redisState === "ok" && postgresState === "ok") {
      res.json({ status: "ready", checks });
      return;
    }
    res
      .status(503)
      .type("application/problem+json")
      .setHeader("retry-after", "5")
      .json({
        type: "urn:qforge:problem:unavailable",
        title: "Service Unavailable",
        status: 503,
        detail:
          "not ready: " +
          Object.entries(checks)
            .map(([k, v]) => `${k} ${v}`)
            .join(", "),
        checks,
      });
  });

  const api = express.Router();
  api.use(bearerAuth(config.apiKeys));
  api.use(
    rateLimit({
      redis: deps.rateLimitRedis ?? redis,
      queuePrefix: config.queuePrefix,
      perMinute: config.apiRateLimit,
    }),
  );
  api.use(declaredTooLarge);
  api.use(jsonOnly);
  // strict: false — any JSON value parses; a body that is valid JSON but not an object then gets
  // the schema's "expected object" rather than "not valid JSON".
  api.use(
    express.json({
      limit: MAX_BODY_BYTES,
      strict: false,
      type: ["application/json", "application/*+json"],
    }),
  );
  // Every POST below (whoever adds it) honours Idempotency-Key; it needs the parsed body.
  api.use(idempotency(redis, config.queuePrefix));
  const submitter = createSubmitter(config, db, deps.queueFor);
  const checkWebhookUrl = createWebhookUrlCheck(config);
  api.use(
    submissionsRouter({
      db,
      submitter,
      listener,
      queuePrefix: config.queuePrefix,
      checkWebhookUrl,
      closing,
    }),
  );
  api.use(jobsRouter(db));
  api.use(providersRouter(config, redis));
  api.use(controlRouter(createControl(config, db, deps.queueFor, deps.queueNamed, logger, redis)));
  api.use(webhooksRouter(db, webhookSecrets(config, db)));
  api.use(
    eventsRouter({
      db,
      listener,
      queuePrefix: config.queuePrefix,
      closing,
    }),
  );
  app.use("/api/v1", api);

  app.use((req, res) => {
    sendProblem(
      res,
      new HttpProblem(404, "not-found", "Not Found", `no route for ${req.method} ${req.path}`),
    );
  });
  app.use(errorHandler(logger));
  return app;
}
