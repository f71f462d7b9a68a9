import { readFile } from "node:fs/promises";
import { text as readStream } from "node:stream/consumers";
import { MAX_BATCH_ITEMS, type GenerateRequest } from "@qforge/schemas";
import { CliError, type ApiClient } from "../client.ts";
import { batchSucceeded, followBatch, type Batch } from "../follow.ts";
import { detectFormat, parseInput, type InputFormat, type InputProblem } from "../input.ts";
import { createProgressView, summaryLine } from "../progress.ts";
import type { Io } from "../io.ts";

export interface SubmitOptions {
  wait?: boolean;
  webhookUrl?: string;
  metadata?: string[];
  idempotencyKey?: string;
  inputFormat?: InputFormat;
  pollInterval: number;
}

const MAX_PROBLEMS_SHOWN = 50;

/** `k=v` pairs as an object; the API checks the rest (≤ 16 entries, lengths). */
export function parseMetadata(pairs: readonly string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CliError(`--metadata expects key=value, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Batches of at most MAX_BATCH_ITEMS, in file order. */
export function chunk<T>(items: readonly T[], size = MAX_BATCH_ITEMS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function reportProblems(io: Io, file: string, problems: InputProblem[]): never {
  for (const p of problems.slice(0, MAX_PROBLEMS_SHOWN)) {
    io.err(`${file}:${p.line}: ${p.path ? p.path + ": " : ""}${p.message}`);
  }
  if (problems.length > MAX_PROBLEMS_SHOWN) {
    io.err(`… and ${problems.length - MAX_PROBLEMS_SHOWN} more problems`);
  }
  const lines = new Set(problems.map((p) => p.line)).size;
  throw new CliError(
    `${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"} on ${lines} line${lines === 1 ? "" : "s"}; nothing was submitted`,
  );
}

export async function submit(
  client: ApiClient,
  io: Io,
  file: string,
  options: SubmitOptions,
): Promise<number> {
  const metadata = parseMetadata(options.metadata ?? []);
  let text: string;
  try {
    text = file === "-" ? await readStream(io.stdin) : await readFile(io.resolve(file), "utf8");
  } catch (error) {
    throw new CliError(
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const format = options.inputFormat ?? detectFormat(file, text);
  const parsed = parseInput(text, format);
  if (!parsed.ok) reportProblems(io, file, parsed.problems);

  // The API takes at most 10,000 items per batch; a bigger file becomes several batches, one id
  // per line. With an idempotency key each part gets its own (`KEY#1`, `KEY#2`, …), so running
  // the same command again after a failure re-sends only what was not accepted.
  const parts = chunk(parsed.items);
  const batches: Batch[] = [];
  for (const [i, items] of parts.entries()) {
    const headers: Record<string, string> = {};
    if (options.idempotencyKey) {
      headers["idempotency-key"] =
        parts.length === 1 ? options.idempotencyKey : `${options.idempotencyKey}#${i + 1}`;
    }
    const body: {
      items: GenerateRequest[];
      webhook_url?: string;
      metadata?: Record<string, string>;
    } = { items };
    if (options.webhookUrl !== undefined) body.webhook_url = options.webhookUrl;
    if (metadata) body.metadata = metadata;
    let batch: Batch;
    try {
      batch = await client.json<Batch>("/api/v1/batches", { method: "POST", body, headers });
    } catch (error) {
      if (parts.length === 1 || !(error instanceof CliError)) throw error;
      throw new CliError(
        `part ${i + 1} of ${parts.length} was not accepted (${batches.length} submitted, ids above): ${error.message}`,
      );
    }
    batches.push(batch);
    io.out(batch.id);
  }
  if (parts.length > 1)
    io.err(`${parsed.items.length} requests submitted as ${parts.length} batches`);
  if (!options.wait) return 0;

  let allSucceeded = true;
  for (const [i, batch] of batches.entries()) {
    const label = batches.length === 1 ? "batch" : `batch ${i + 1}/${batches.length}`;
    const view = createProgressView(label, io.stderr);
    let final: Batch;
    try {
      final = await followBatch(client, batch.id, {
        pollIntervalMs: options.pollInterval,
        onProgress: (b) => view.update(b),
        onFallback: (reason) => io.err(`${reason}; polling every ${options.pollInterval} ms`),
      });
    } finally {
      view.stop();
    }
    io.err(summaryLine(final));
    if (!batchSucceeded(final)) allSucceeded = false;
  }
  return allSucceeded ? 0 : 2;
}
