export { ApiClient, ApiError, CliError, clientOptionsFromEnv, describeProblem } from "./client.ts";
export { detectFormat, parseInput, type InputFormat, type InputProblem } from "./input.ts";
export { followBatch, batchEnded, batchSucceeded, type Batch } from "./follow.ts";
export { CSV_COLUMNS, KEY_POINTS_SEPARATOR, csvRecord, rowsOf } from "./commands/results.ts";
export { buildProgram } from "./program.ts";
