import type { z } from "zod";

export interface ProblemError {
  /** JSON Pointer (RFC 6901) to the offending value. */
  path: string;
  message: string;
}

function pointer(path: readonly PropertyKey[]): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/**
 * zod issues as problem+json `errors`, one per offending value; unknown fields one each.
 * Parse with `{ reportInput: true }`: a missing value is told apart from a wrong one by the input.
 */
export function issuesToErrors(error: z.ZodError): ProblemError[] {
  const out: ProblemError[] = [];
  // A value of the wrong type gets that one message, not also the checks of the right type.
  const wrongType = new Set(
    error.issues.filter((i) => i.code === "invalid_type").map((i) => pointer(i.path)),
  );
  for (const issue of error.issues) {
    if (issue.code !== "invalid_type" && wrongType.has(pointer(issue.path))) continue;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ path: pointer([...issue.path, key]), message: "unknown field" });
      }
    } else if (issue.code === "invalid_type" && "input" in issue && issue.input === undefined) {
      out.push({ path: pointer(issue.path), message: "is required" });
    } else {
      out.push({ path: pointer(issue.path), message: issue.message });
    }
  }
  return out;
}
