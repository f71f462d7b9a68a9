import type { JobView } from "@qforge/schemas";
import { ApiError, CliError, type ApiClient } from "../client.ts";
import { batchSucceeded, followBatch, type Batch } from "../follow.ts";
import { createProgressView, summaryLine } from "../progress.ts";
import type { Io } from "../io.ts";

export type Job = JobView;

const enc = encodeURIComponent;

/** GET `path`, or undefined on a 404. */
async function getOrUndefined<T>(client: ApiClient, path: string): Promise<T | undefined> {
  try {
    return await client.json<T>(path);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Ids do not say what they name: try the batch, then the job. */
export async function findBatchOrJob(
  client: ApiClient,
  id: string,
): Promise<{ kind: "batch"; batch: Batch } | { kind: "job"; job: Job }> {
  const batch = await getOrUndefined<Batch>(client, `/api/v1/batches/${enc(id)}`);
  if (batch) return { kind: "batch", batch };
  const job = await getOrUndefined<Job>(client, `/api/v1/jobs/${enc(id)}`);
  if (job) return { kind: "job", job };
  throw new CliError(`no batch or job ${id} (for this API key)`);
}

const row = (label: string, value: string) => `${label.padEnd(10)}${value}`;
const time = (t: string | null | undefined) => t ?? "-";

export function describeBatch(b: Batch): string[] {
  const c = b.counts;
  const lines = [
    `batch ${b.id}: ${b.status}`,
    row(
      "jobs",
      `${c.total} total: ${c.completed} completed, ${c.failed} failed, ${c.cancelled} cancelled, ${c.active} active, ${c.queued} queued`,
    ),
    row("created", time(b.created_at)),
    row("ended", time(b.completed_at)),
    row(
      "usage",
      `${b.usage.provider_calls} provider calls, ${b.usage.prompt_tokens} prompt tokens, ${b.usage.completion_tokens} completion tokens`,
    ),
  ];
  if (b.webhook_url) lines.push(row("webhook", b.webhook_url));
  const meta = Object.entries(b.metadata ?? {});
  if (meta.length > 0) lines.push(row("metadata", meta.map(([k, v]) => `${k}=${v}`).join(", ")));
  return lines;
}

export function describeJob(j: Job): string[] {
  const r = j.request;
  const request = [
    r.role,
    r.difficulty,
    `${r.question_count} question${r.question_count === 1 ? "" : "s"}`,
    ...(r.categories?.length ? [`categories: ${r.categories.join(", ")}`] : []),
    ...(r.fresh ? ["fresh"] : []),
  ].join(", ");
  const sources = new Map<string, number>();
  for (const q of j.questions) {
    const key = q.source === "ai" && q.provider ? `ai via ${q.provider}` : q.source;
    sources.set(key, (sources.get(key) ?? 0) + 1);
  }
  const lines = [
    `job ${j.id}: ${j.status}`,
    row("batch", j.batch_id ? `${j.batch_id}, item ${j.index}` : "none (a lone job)"),
    row("request", request),
    row(
      "questions",
      `${j.questions.length}` +
        (sources.size > 0 ? ` (${[...sources].map(([k, n]) => `${n} ${k}`).join(", ")})` : ""),
    ),
    row("attempts", String(j.attempts)),
    row("created", time(j.created_at)),
    row("started", time(j.started_at)),
    row("ended", time(j.completed_at)),
  ];
  if (j.error) lines.push(row("error", `${j.error.code}: ${j.error.message}`));
  return lines;
}

export async function status(
  client: ApiClient,
  io: Io,
  id: string,
  options: { json?: boolean },
): Promise<number> {
  const found = await findBatchOrJob(client, id);
  const value = found.kind === "batch" ? found.batch : found.job;
  if (options.json) io.out(JSON.stringify(value, null, 2));
  else
    for (const line of found.kind === "batch" ? describeBatch(found.batch) : describeJob(found.job))
      io.out(line);
  return 0;
}

export async function watch(
  client: ApiClient,
  io: Io,
  id: string,
  options: { pollInterval: number },
): Promise<number> {
  const view = createProgressView("batch", io.stderr);
  let final: Batch;
  try {
    final = await followBatch(client, id, {
      pollIntervalMs: options.pollInterval,
      onProgress: (b) => view.update(b),
      onFallback: (reason) => io.err(`${reason}; polling every ${options.pollInterval} ms`),
    });
  } finally {
    view.stop();
  }
  io.out(summaryLine(final));
  return batchSucceeded(final) ? 0 : 2;
}
