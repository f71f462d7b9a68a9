import { Command, InvalidArgumentError, Option } from "commander";
import { ApiClient, clientOptionsFromEnv } from "./client.ts";
import { INPUT_FORMATS, type InputFormat } from "./input.ts";
import type { Io } from "./io.ts";
import { providers } from "./commands/providers.ts";
import { RESULT_FORMATS, results, type ResultFormat } from "./commands/results.ts";
import { status, watch } from "./commands/status.ts";
import { submit } from "./commands/submit.ts";

const DEFAULT_POLL_MS = 1000;

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError("expected a positive whole number of milliseconds");
  }
  return Number(value);
}

const collect = (value: string, previous: string[]) => [...previous, value];

const pollOption = () =>
  new Option("--poll-interval <ms>", "between polls when the server has no event stream")
    .argParser(positiveInt)
    .default(DEFAULT_POLL_MS);

/**
 * The `qforge` command. Each action stores its exit code in `result.code`; the client is built
 * only when a command runs, so `--help` works whatever the environment holds.
 */
export function buildProgram(
  io: Io,
  env: NodeJS.ProcessEnv,
  result: { code: number; client?: ApiClient },
): Command {
  const client = () => (result.client ??= new ApiClient(clientOptionsFromEnv(env)));
  const program = new Command()
    .name("qforge")
    .description(
      "Command-line client of the qforge API.\n" +
        "Configured by QFORGE_URL (default http://127.0.0.1:3000) and QFORGE_API_KEY (sent as a Bearer token).",
    )
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  program
    .command("submit")
    .description(
      "submit a file of generation requests as a batch and print its id\n" +
        "(JSON array, JSON Lines or CSV with columns role,difficulty,question_count[,categories][,fresh];\n" +
        "CSV categories are separated by | or ;). More than 10,000 requests become several batches, one id per line.",
    )
    .argument("<file>", "the requests; - reads stdin")
    .option(
      "--wait",
      "show progress until the batch ends; exit 2 if any job failed or was cancelled",
    )
    .option("--webhook-url <url>", "where the API posts batch.completed / batch.cancelled")
    .option("--metadata <key=value>", "a metadata entry (repeatable)", collect, [])
    .option(
      "--idempotency-key <key>",
      "sent as Idempotency-Key, so a retried submit is not doubled",
    )
    .addOption(
      new Option(
        "--input-format <format>",
        "instead of guessing from the name and content",
      ).choices(INPUT_FORMATS),
    )
    .addOption(pollOption())
    .action(async (file: string, opts) => {
      result.code = await submit(client(), io, file, {
        wait: opts.wait,
        webhookUrl: opts.webhookUrl,
        metadata: opts.metadata,
        idempotencyKey: opts.idempotencyKey,
        inputFormat: opts.inputFormat as InputFormat | undefined,
        pollInterval: opts.pollInterval,
      });
    });

  program
    .command("status")
    .description("show a batch or a job")
    .argument("<id>", "a batch id or a job id")
    .option("--json", "print the API's JSON")
    .action(async (id: string, opts) => {
      result.code = await status(client(), io, id, { json: opts.json });
    });

  program
    .command("watch")
    .description("show a batch's progress until it ends; exit 2 if any job failed or was cancelled")
    .argument("<id>", "a batch id")
    .addOption(pollOption())
    .action(async (id: string, opts) => {
      result.code = await watch(client(), io, id, { pollInterval: opts.pollInterval });
    });

  program
    .command("results")
    .description(
      "export every question of a batch (or of a lone job), one row per question\n" +
        '(CSV columns job_id,index,role,difficulty,category,question,key_points,source,provider; key points joined by " | ")',
    )
    .argument("<id>", "a batch id or a job id")
    .addOption(
      new Option("--format <format>", "output format").choices(RESULT_FORMATS).default("jsonl"),
    )
    .option("-o, --output <file>", "write to this file instead of stdout")
    .action(async (id: string, opts) => {
      result.code = await results(client(), io, id, {
        format: opts.format as ResultFormat,
        output: opts.output,
      });
    });

  program
    .command("providers")
    .description("show each provider key: enabled, breaker, health, today's usage, alerts")
    .option("--json", "print the API's JSON")
    .action(async (opts) => {
      result.code = await providers(client(), io, { json: opts.json });
    });

  return program;
}
