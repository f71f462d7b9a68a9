// 2. Orchestration overhead per provider call, in this process: K sequential calls of the bare
// SDK vs K through qforge's orchestrated path, alternated in blocks to cancel drift.
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import Groq from "groq-sdk";
import { Redis } from "ioredis";
import { loadConfig } from "@qforge/config";
import { createDatabase } from "@qforge/database";
import { buildMessages, generateQuestions, maxTokensFor } from "@qforge/generation";
import { createLogger } from "@qforge/logger";
import { Orchestrator } from "@qforge/orchestrator";
import { createGroqClient } from "@qforge/providers";
import type { GenerateRequest } from "@qforge/schemas";
import { providerKeys } from "@qforge/worker";
// Not exported by @qforge/worker: the router the worker's processor uses for every job.
import { OrchestratedRouter } from "../../../apps/worker/src/router.ts";
import type { Measure } from "../lib/measure.ts";
import { startFake } from "../lib/procs.ts";
import { NO_LIMITS } from "../lib/qforge.ts";
import { check } from "../lib/results.ts";
import { deleteRedisPrefix, freshDatabase, REDIS_URL, uniquePrefix } from "../lib/services.ts";
import { percentile, round } from "../lib/stats.ts";

const REQUEST: GenerateRequest = {
  role: "Backend Engineer",
  difficulty: "medium",
  question_count: 5,
  fresh: true,
};

type Variant = "sdk" | "client" | "qforge";

export const overhead: Measure = {
  key: "overhead",
  title: "Orchestration overhead per provider call",
  description:
    "In the bench process, K sequential calls of three kinds against the same fake server, " +
    "alternated in blocks (after one warm-up block each) so that drift hits all alike: `sdk`, " +
    "groq-sdk's `chat.completions.create` with the same messages (the baseline); `client`, " +
    "qforge's provider client alone (`createGroqClient().chat`: deadline, result mapping); " +
    "`qforge`, the worker's real path for one job's call: `OrchestratedRouter.prepare` (key " +
    "selection, breaker, quotas in Redis) then `generateQuestions` (prompt, call, parse, " +
    "validate, dedupe, settle in Redis, the request and outcome rows in Postgres). Added = qforge − " +
    "sdk per percentile.",
  async run(ctx) {
    const { overheadCalls: k, overheadBlock: block } = ctx.sizes;
    const fake = await startFake({ record: false });
    const dbHandle = await freshDatabase();
    const prefix = uniquePrefix("ovh");
    const key = `gsk_bench_ovh_${randomBytes(6).toString("hex")}`;
    const config = loadConfig({
      DATABASE_URL: dbHandle.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      GROQ_API_KEYS: key,
      GROQ_BASE_URL: fake.url,
      GROQ_MODEL: "fake-model",
      ...NO_LIMITS,
    });
    const db = createDatabase(config.databaseUrl, { poolSize: 4 });
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const logger = createLogger({ level: "warn", name: "bench-overhead" });
    const orchestrator = new Orchestrator(redis, db, config, providerKeys(config), {
      keyReprobeMs: config.keyReprobeMs,
    });
    const sdk = new Groq({ apiKey: key, baseURL: fake.url, maxRetries: 0 });
    const client = createGroqClient({
      keyId: "groq#bench",
      apiKey: key,
      baseURL: fake.url,
      model: "fake-model",
      timeoutMs: config.providerTimeoutMs,
    });
    const messages = buildMessages(REQUEST, REQUEST.question_count, []);
    const maxTokens = maxTokensFor(REQUEST.question_count);

    const once: Record<Variant, () => Promise<void>> = {
      sdk: async () => {
        await sdk.chat.completions.create({
          model: "fake-model",
          messages,
          max_tokens: maxTokens,
          temperature: 0.7,
          response_format: { type: "json_object" },
        });
      },
      client: async () => {
        await client.chat({ messages, maxTokens, temperature: 0.7, jsonMode: true });
      },
      qforge: async () => {
        const router = new OrchestratedRouter(orchestrator, "groq", db, logger);
        await router.prepare(1000);
        // As in a job: the first call's request is counted with the job's start, and the call's
        // outcome row goes into the statement that ends the job (both in the pipeline measure).
        router.countedPrepared();
        const { calls, questions } = await generateQuestions({
          request: REQUEST,
          router,
          questionsPerCall: config.questionsPerCall,
        });
        // The key's state after the call (health, latency, quota): settled with the job's end.
        await router.settleLater();
        if (calls !== 1 || questions.length !== REQUEST.question_count) {
          throw new Error(`expected 1 call and 5 questions, got ${calls} and ${questions.length}`);
        }
      },
    };
    const samples: Record<Variant, number[]> = { sdk: [], client: [], qforge: [] };
    const runBlock = async (v: Variant, n: number, keep: boolean) => {
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await once[v]();
        const dt = performance.now() - t;
        if (keep) samples[v].push(dt);
      }
    };
    try {
      const variants: Variant[] = ["sdk", "client", "qforge"];
      for (const v of variants) await runBlock(v, block, false);
      let round_ = 0;
      while (samples.sdk.length < k) {
        // Rotate the order each round so no variant always follows another.
        const order = variants.map((_, i) => variants[(i + round_) % variants.length]!);
        for (const v of order) await runBlock(v, Math.min(block, k - samples[v].length), true);
        round_++;
      }
    } finally {
      await db.$disconnect().catch(() => {});
      redis.disconnect();
      await dbHandle.drop().catch(() => {});
      await deleteRedisPrefix(prefix).catch(() => {});
      await fake.proc.stop(5000);
    }

    const stat = (v: Variant) => ({
      p50: round(percentile(samples[v], 50), 3),
      p90: round(percentile(samples[v], 90), 3),
      p99: round(percentile(samples[v], 99), 3),
      mean: round(samples[v].reduce((a, b) => a + b, 0) / samples[v].length, 3),
    });
    const sdkStat = stat("sdk");
    const clientStat = stat("client");
    const qStat = stat("qforge");
    const added50 = qStat.p50 - sdkStat.p50;
    const added99 = qStat.p99 - sdkStat.p99;
    ctx.log(
      `p50 sdk ${sdkStat.p50} ms, client ${clientStat.p50} ms, qforge ${qStat.p50} ms; ` +
        `added p50 ${round(added50)} ms, p99 ${round(added99)} ms`,
    );
    const checks = [
      check({
        name: "p50 per call",
        unit: "ms",
        qforge: qStat.p50,
        baseline: sdkStat.p50,
        baselineLabel: "groq-sdk alone",
        target: "added p50 ≤ 1 ms",
        pass: added50 <= 1,
      }),
      check({
        name: "p99 per call",
        unit: "ms",
        qforge: qStat.p99,
        baseline: sdkStat.p99,
        baselineLabel: "groq-sdk alone",
        target: "(reported)",
        pass: true,
      }),
    ];
    return {
      pass: checks.every((c) => c.pass),
      checks,
      data: {
        calls: k,
        block,
        ms: { sdk: sdkStat, client: clientStat, qforge: qStat },
        addedMs: {
          p50: round(added50),
          p99: round(added99),
          p50ByClientWrapper: round(clientStat.p50 - sdkStat.p50),
          p50ByOrchestration: round(qStat.p50 - clientStat.p50),
        },
      },
    };
  },
};
