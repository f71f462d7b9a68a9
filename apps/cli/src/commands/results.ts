import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";
import { ApiError, CliError, type ApiClient } from "../client.ts";
import type { Io } from "../io.ts";
import type { Job } from "./status.ts";

export const RESULT_FORMATS = ["jsonl", "csv"] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** The CSV header, in order. */
export const CSV_COLUMNS = [
  "job_id",
  "index",
  "role",
  "difficulty",
  "category",
  "question",
  "key_points",
  "source",
  "provider",
] as const;

/** Key points in one CSV cell. */
export const KEY_POINTS_SEPARATOR = " | ";

export interface ResultRow {
  job_id: string;
  index: number;
  role: string;
  difficulty: string;
  category: string;
  question: string;
  key_points: string[];
  source: string;
  provider: string | null;
  model: string | null;
  question_id: string;
}

export function rowsOf(job: Job): ResultRow[] {
  return job.questions.map((q) => ({
    job_id: job.id,
    index: job.index,
    role: job.request.role,
    difficulty: q.difficulty,
    category: q.category,
    question: q.question,
    key_points: q.key_points,
    source: q.source,
    provider: q.provider,
    model: q.model,
    question_id: q.id,
  }));
}

export function csvRecord(row: ResultRow): Record<(typeof CSV_COLUMNS)[number], string | number> {
  return {
    job_id: row.job_id,
    index: row.index,
    role: row.role,
    difficulty: row.difficulty,
    category: row.category,
    question: row.question,
    key_points: row.key_points.join(KEY_POINTS_SEPARATOR),
    source: row.source,
    provider: row.provider ?? "",
  };
}

const PAGE = 500;

/** The jobs behind an id: every job of a batch, page by page in item order, or one lone job. */
export async function* jobsOf(client: ApiClient, id: string): AsyncGenerator<Job> {
  const base = `/api/v1/batches/${encodeURIComponent(id)}/jobs?limit=${PAGE}`;
  let cursor: string | null = null;
  let first = true;
  do {
    let page: { data: Job[]; next_cursor: string | null };
    try {
      page = await client.json(
        cursor === null ? base : `${base}&cursor=${encodeURIComponent(cursor)}`,
      );
    } catch (error) {
      if (!(first && error instanceof ApiError && error.status === 404)) throw error;
      // Not a batch: perhaps a lone job.
      try {
        yield await client.json<Job>(`/api/v1/jobs/${encodeURIComponent(id)}`);
        return;
      } catch (jobError) {
        if (jobError instanceof ApiError && jobError.status === 404) {
          throw new CliError(`no batch or job ${id} (for this API key)`);
        }
        throw jobError;
      }
    }
    first = false;
    yield* page.data;
    cursor = page.next_cursor;
  } while (cursor !== null);
}

export interface ResultsOptions {
  format: ResultFormat;
  output?: string;
}

export async function results(
  client: ApiClient,
  io: Io,
  id: string,
  options: ResultsOptions,
): Promise<number> {
  const tally = { jobs: 0, unfinished: 0, questions: 0 };
  async function* rows(): AsyncGenerator<ResultRow> {
    for await (const job of jobsOf(client, id)) {
      tally.jobs++;
      if (job.status !== "completed") tally.unfinished++;
      for (const row of rowsOf(job)) {
        tally.questions++;
        yield row;
      }
    }
  }
  // Streams page by page: a batch of 10,000 jobs is never held in memory at once.
  const write = async (dest: Writable, opts: { end?: boolean } = {}) => {
    if (options.format === "csv") {
      const records = async function* () {
        for await (const row of rows()) yield csvRecord(row);
      };
      await pipeline(
        Readable.from(records()),
        stringify({ header: true, columns: [...CSV_COLUMNS] }),
        dest,
        opts,
      );
    } else {
      const lines = async function* () {
        for await (const row of rows()) yield JSON.stringify(row) + "\n";
      };
      await pipeline(Readable.from(lines()), dest, opts);
    }
  };

  if (options.output) {
    // Written beside the target and renamed at the end, so a failed export leaves no half file.
    const target = io.resolve(options.output);
    const partial = `${target}.${process.pid}.partial`;
    try {
      await write(createWriteStream(partial));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  } else {
    await write(io.stdout, { end: false });
  }

  const where = options.output ? ` to ${options.output}` : "";
  io.err(
    `${tally.questions} questions from ${tally.jobs} job${tally.jobs === 1 ? "" : "s"}${where}`,
  );
  if (tally.unfinished > 0) {
    io.err(
      `note: ${tally.unfinished} of ${tally.jobs} jobs have not completed; their questions are missing`,
    );
  }
  return 0;
}
