// `pnpm qforge …`: the command-line client. Exit codes: 0 done; 1 an error (bad input, the API
// refused, the network); 2 a batch that was followed to its end had failed or cancelled jobs.
import { CliError, scrub, type ApiClient } from "./client.ts";
import { processIo } from "./io.ts";
import { buildProgram } from "./program.ts";

const io = processIo();
// A reader that stops early (`| head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const result: { code: number; client?: ApiClient } = { code: 0 };
try {
  await buildProgram(io, process.env, result).parseAsync(process.argv);
  process.exitCode = result.code;
} catch (error) {
  const secrets = [
    ...(result.client?.secrets ?? []),
    ...(process.env.QFORGE_API_KEY ? [process.env.QFORGE_API_KEY] : []),
  ];
  const message =
    error instanceof CliError
      ? error.message
      : `unexpected error: ${(error as Error)?.stack ?? String(error)}`;
  io.err(`qforge: ${scrub(message, secrets)}`);
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}
