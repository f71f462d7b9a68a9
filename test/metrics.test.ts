import parsePrometheusTextFormat, { type PromFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { startSystem, type TestSystem } from "./helpers/system.ts";

// GET /metrics: Prometheus text, public, every name prefixed qforge_.

const KEY = "metrics-key-0001";
let fake: FakeProvider;
let sys: TestSystem;

beforeAll(async () => {
  fake = await startFakeProvider();
  sys = await startSystem({
    API_KEYS: KEY,
    GROQ_API_KEY: "gsk_fake_metrics_key_000000000000",
    GROQ_BASE_URL: fake.url,
  });
});
afterAll(async () => {
  await sys?.close();
  await fake?.close();
});

async function scrape(): Promise<{ text: string; m: Map<string, PromFamily> }> {
  const res = await fetch(`${sys.api.url}/metrics`); // no API key: public
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  const text = await res.text();
  const families = parsePrometheusTextFormat(text);
  return { text, m: new Map(families.map((f) => [f.name, f])) };
}

const sample = (f: PromFamily | undefined, labels: Record<string, string>) =>
  f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

test("jobs by state, queue depths, HTTP requests and latency", async () => {
  const job = await sys.call("/api/v1/questions/generate?wait=20", {
    method: "POST",
    key: KEY,
    body: { role: "Platform Engineer", difficulty: "easy", question_count: 2 },
  });
  expect(job.status).toBe(200);
  expect((await sys.call("/api/v1/jobs/not-an-id", { key: KEY })).status).toBe(404);
  expect((await sys.call("/no/such/path")).status).toBe(404);

  const { text, m } = await scrape();
  for (const name of m.keys()) expect(name.startsWith("qforge_"), name).toBe(true);

  const jobs = m.get("qforge_jobs");
  expect(jobs?.type).toBe("GAUGE");
  expect(Number(sample(jobs, { state: "completed" })?.value)).toBe(1);
  expect(Number(sample(jobs, { state: "failed" })?.value)).toBe(0);
  expect(
    m
      .get("qforge_batches")
      ?.metrics.map((s) => s.labels?.state)
      .sort(),
  ).toEqual(["cancelled", "completed", "in_progress", "queued"]);

  const queues = m.get("qforge_queue_jobs");
  for (const queue of ["groq", "huggingface", "openai_compat", "webhooks"]) {
    expect(sample(queues, { queue, state: "waiting" }), queue).toBeDefined();
  }
  expect(Number(sample(queues, { queue: "groq", state: "completed" })?.value)).toBe(1);

  const requests = m.get("qforge_http_requests_total");
  expect(requests?.type).toBe("COUNTER");
  expect(
    Number(
      sample(requests, { method: "POST", route: "/api/v1/questions/generate", status: "200" })
        ?.value,
    ),
  ).toBe(1);
  // Ids are not labels: the route template is.
  expect(sample(requests, { route: "/api/v1/jobs/{id}", status: "404" })).toBeDefined();
  expect(sample(requests, { route: "unmatched", status: "404" })).toBeDefined();
  const latency = m.get("qforge_http_request_duration_seconds");
  expect(latency?.type).toBe("HISTOGRAM");
  // (the parser keeps only the buckets of a labelled histogram: read count and sum as text)
  const series = '{method="POST",route="/api/v1/questions/generate",status="200"}';
  expect(text).toContain(`qforge_http_request_duration_seconds_count${series} 1\n`);
  const sumLine = text
    .split("\n")
    .find((l) => l.startsWith(`qforge_http_request_duration_seconds_sum${series} `));
  expect(Number(sumLine?.split(" ")[1])).toBeGreaterThan(0);

  // Provider keys as the workers share them in Redis (as GET /providers shows them).
  const key = { provider: "groq", key: "groq#1" };
  const breaker = m.get("qforge_provider_breaker_state");
  expect(Number(sample(breaker, { ...key, state: "closed" })?.value)).toBe(1);
  expect(Number(sample(breaker, { ...key, state: "open" })?.value)).toBe(0);
  expect(Number(sample(m.get("qforge_provider_key_enabled"), key)?.value)).toBe(1);
  const usage = m.get("qforge_provider_usage_today");
  expect(Number(sample(usage, { ...key, kind: "requests" })?.value)).toBeGreaterThanOrEqual(1);
  expect(Number(sample(usage, { ...key, kind: "tokens" })?.value)).toBeGreaterThan(0);
  expect(sample(m.get("qforge_provider_quota_used_percent"), key)).toBeDefined();
  expect(sample(m.get("qforge_provider_key_health"), key)).toBeDefined();
  // Provider calls by outcome and their latency, counted by the workers in Redis.
  const calls = m.get("qforge_provider_calls_total");
  expect(calls?.type).toBe("COUNTER");
  expect(Number(sample(calls, { ...key, outcome: "ok" })?.value)).toBe(1);
  expect(Number(sample(calls, { ...key, outcome: "fail" })?.value)).toBe(0);
  expect(m.get("qforge_provider_call_duration_seconds")?.type).toBe("HISTOGRAM");
  expect(text).toMatch(
    /qforge_provider_call_duration_seconds_count\{provider="groq",key="groq#1"\} 1\n/,
  );
  expect(text).toContain(
    'qforge_provider_call_duration_seconds_bucket{provider="groq",key="groq#1",le="+Inf"} 1\n',
  );
  const alerts = m.get("qforge_provider_quota_alerts");
  expect(Number(sample(alerts, { ...key, threshold: "80" })?.value)).toBe(0);
  const deliveries = m.get("qforge_webhook_deliveries");
  expect(sample(deliveries, { status: "pending" })).toBeDefined();
  // The API key itself never appears.
  expect(text).not.toContain("gsk_fake_metrics_key");

  // Node's own (prom-client defaults), prefixed too.
  expect(m.has("qforge_process_cpu_user_seconds_total")).toBe(true);
});
