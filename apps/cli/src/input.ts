// Reading a file of generation requests: a JSON array, JSON Lines, or CSV. Every item is checked
// with the API's own zod schema, so bad lines are reported (with their line numbers) before
// anything is sent.
import { parse as parseCsv } from "csv-parse/sync";
import { parseTree, printParseErrorCode, type ParseError } from "jsonc-parser";
import { GenerateRequest, issuesToErrors } from "@qforge/schemas";

export const INPUT_FORMATS = ["json", "jsonl", "csv"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface InputProblem {
  /** 1-based line in the file where the item (or the syntax error) starts. */
  line: number;
  /** JSON Pointer into the item; "" for the whole item or a syntax error. */
  path: string;
  message: string;
}

export type ParsedInput =
  | { ok: true; format: InputFormat; items: GenerateRequest[] }
  | { ok: false; format: InputFormat; problems: InputProblem[] };

/** By extension (.json, .jsonl/.ndjson, .csv), else by the first character of the content. */
export function detectFormat(fileName: string, text: string): InputFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".csv")) return "csv";
  const first = stripBom(text).trimStart()[0];
  if (first === "[") return "json";
  if (first === "{") return "jsonl";
  return "csv";
}

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/** Maps character offsets to 1-based line numbers. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** Checks each raw item against GenerateRequest; problems carry the item's line. */
function validate(
  format: InputFormat,
  raw: Array<{ line: number; value: unknown }>,
  early: InputProblem[],
): ParsedInput {
  const problems = [...early];
  const items: GenerateRequest[] = [];
  for (const { line, value } of raw) {
    const result = GenerateRequest.safeParse(value, { reportInput: true });
    if (result.success) items.push(result.data);
    else for (const e of issuesToErrors(result.error)) problems.push({ line, ...e });
  }
  if (problems.length === 0 && items.length === 0) {
    problems.push({ line: 1, path: "", message: "the file holds no requests" });
  }
  problems.sort((a, b) => a.line - b.line);
  return problems.length > 0 ? { ok: false, format, problems } : { ok: true, format, items };
}

function parseJsonArray(text: string): ParsedInput {
  const lineOf = lineIndex(text);
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0 || !tree) {
    const problems = errors.map((e) => ({
      line: lineOf(e.offset),
      path: "",
      message: `not valid JSON (${printParseErrorCode(e.error)})`,
    }));
    if (problems.length === 0) problems.push({ line: 1, path: "", message: "not valid JSON" });
    return { ok: false, format: "json", problems };
  }
  if (tree.type !== "array") {
    return {
      ok: false,
      format: "json",
      problems: [
        { line: lineOf(tree.offset), path: "", message: "expected a JSON array of requests" },
      ],
    };
  }
  // The tree gives each element's position; JSON.parse gives the values exactly as the API reads them.
  const values = JSON.parse(text) as unknown[];
  const raw = (tree.children ?? []).map((node, i) => ({
    line: lineOf(node.offset),
    value: values[i],
  }));
  return validate("json", raw, []);
}

function parseJsonLines(text: string): ParsedInput {
  const raw: Array<{ line: number; value: unknown }> = [];
  const early: InputProblem[] = [];
  text.split("\n").forEach((content, i) => {
    if (content.trim() === "") return;
    try {
      raw.push({ line: i + 1, value: JSON.parse(content) });
    } catch (error) {
      early.push({
        line: i + 1,
        path: "",
        message: `not valid JSON (${(error as Error).message})`,
      });
    }
  });
  return validate("jsonl", raw, early);
}

const CSV_COLUMNS = ["role", "difficulty", "question_count", "categories", "fresh"];
const REQUIRED_COLUMNS = ["role", "difficulty", "question_count"];

/**
 * One CSV record as a request. Only what CSV cannot express is converted: a whole number to a
 * number, true/false to a boolean, `|`- or `;`-separated categories to a list. Anything else
 * stays a string, so the schema reports it as the API would.
 */
function csvRecordToRequest(record: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(record)) {
    const value = cell.trim();
    switch (column) {
      case "question_count":
        out[column] = /^\d+$/.test(value) ? Number(value) : value;
        break;
      case "categories":
        if (value !== "") {
          out[column] = value
            .split(/[|;]/)
            .map((c) => c.trim())
            .filter((c) => c !== "");
        }
        break;
      case "fresh":
        if (/^true$/i.test(value)) out[column] = true;
        else if (/^false$/i.test(value)) out[column] = false;
        else if (value !== "") out[column] = value;
        break;
      default:
        out[column] = value;
    }
  }
  return out;
}

function parseCsvFile(text: string): ParsedInput {
  let header: string[] = [];
  let records: Array<{
    record: Record<string, string>;
    info: { lines: number; empty_lines: number };
  }>;
  try {
    records = parseCsv(text, {
      bom: true,
      columns: (names: string[]) => (header = names.map((n) => n.trim().toLowerCase())),
      info: true,
      skip_empty_lines: true,
    });
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return {
      ok: false,
      format: "csv",
      problems: [{ line, path: "", message: (error as Error).message }],
    };
  }
  const unknown = header.filter((h) => !CSV_COLUMNS.includes(h));
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  const duplicated = header.filter((h, i) => header.indexOf(h) !== i);
  const headerProblems: InputProblem[] = [
    ...unknown.map((c) => ({ line: 1, path: "", message: `unknown column "${c}"` })),
    ...missing.map((c) => ({ line: 1, path: "", message: `missing column "${c}"` })),
    ...duplicated.map((c) => ({ line: 1, path: "", message: `column "${c}" appears twice` })),
  ];
  if (headerProblems.length > 0) {
    headerProblems.push({
      line: 1,
      path: "",
      message: `the header must name the columns ${CSV_COLUMNS.join(", ")} (the last two optional)`,
    });
    return { ok: false, format: "csv", problems: headerProblems };
  }
  // csv-parse tells where a record ends; it starts one line after the previous record ended
  // (the header is line 1), past any empty lines skipped in between.
  let prevEnd = 1;
  let prevEmpty = 0;
  const raw = records.map(({ record, info }) => {
    const line = prevEnd + 1 + (info.empty_lines - prevEmpty);
    prevEnd = info.lines;
    prevEmpty = info.empty_lines;
    return { line, value: csvRecordToRequest(record) };
  });
  return validate("csv", raw, []);
}

/** Parses and validates the file's text in the given format. */
export function parseInput(text: string, format: InputFormat): ParsedInput {
  const body = stripBom(text);
  switch (format) {
    case "json":
      return parseJsonArray(body);
    case "jsonl":
      return parseJsonLines(body);
    case "csv":
      return parseCsvFile(body);
  }
}
