// The minimal pipeline qforge's throughput is compared with: a bare BullMQ worker, same
// concurrency, whose processor makes the same chat-completions call to the same fake server
// through the same SDK (groq-sdk, no retries) and writes one row to Postgres. Nothing else: no
// selection, breaker, quota, parsing, validation or job record.
import { Worker } from "bullmq";
import Groq from "groq-sdk";
import { Redis } from "ioredis";
import pg from "pg";
import { buildMessages, maxTokensFor } from "@qforge/generation";
import type { GenerateRequest } from "@qforge/schemas";

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`minimal worker: ${name} is required`);
  return v;
};
const concurrency = Number(env("CONCURRENCY"));
const pool = new pg.Pool({ connectionString: env("DATABASE_URL"), max: concurrency + 2 });
// An idle client whose connection Postgres ends must not crash the process.
pool.on("error", () => {});
const sdk = new Groq({ apiKey: env("API_KEY"), baseURL: env("FAKE_URL"), maxRetries: 0 });

const worker = new Worker<GenerateRequest>(
  "minimal",
  async (job) => {
    const request = job.data;
    const completion = await sdk.chat.completions.create({
      model: "fake-model",
      messages: buildMessages(request, request.question_count, []),
      max_tokens: maxTokensFor(request.question_count),
      temperature: 0.7,
      response_format: { type: "json_object" },
    });
    await pool.query("INSERT INTO minimal_results (job_id, answer) VALUES ($1, $2)", [
      job.id,
      completion.choices[0]?.message.content ?? "",
    ]);
  },
  {
    connection: new Redis(env("REDIS_URL"), { maxRetriesPerRequest: null }),
    prefix: env("QUEUE_PREFIX"),
    concurrency,
  },
);
worker.on("error", () => {});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void worker
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  });
}
