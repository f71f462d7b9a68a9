import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

// Every variable the configuration reads is documented in .env.example (with a comment) and in
// the README's configuration table, so a new setting cannot ship unexplained.

const ROOT = new URL("..", import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");

// The keys of the zod schema in packages/config: `  NAME: …` at the object's top level.
const variables = [...read("packages/config/src/config.ts").matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)]
  .map((m) => m[1]!)
  // Read for tooling conventions only; it changes nothing in qforge.
  .filter((name) => name !== "NODE_ENV");

test("the configuration schema was found", () => {
  expect(variables).toContain("DATABASE_URL");
  expect(variables.length).toBeGreaterThan(40);
});

test(".env.example shows every variable, each under a comment", () => {
  const lines = read(".env.example").split("\n");
  const isSetting = (l: string) => /^# [A-Z][A-Z0-9_]*=/.test(l);
  const missing = variables.filter((name) => {
    let i = lines.findIndex((l) => l.startsWith(`# ${name}=`));
    if (i < 0) return true;
    // Settings may share one comment: walk up to the first line that is not a setting.
    while (i > 0 && isSetting(lines[i - 1]!)) i--;
    return !/^# \S/.test(lines[i - 1] ?? "");
  });
  expect(missing).toEqual([]);
});

test("the README names every variable", () => {
  const readme = read("README.md");
  const named = (name: string) =>
    readme.includes(`\`${name}\``) ||
    // Grouped rows: `GROQ_RPM`, `GROQ_RPD`, … and `OPENAI_COMPAT_RPM`, `…_RPD`.
    readme.includes(`\`…_${name.split("_").pop()}\``);
  expect(variables.filter((name) => !named(name))).toEqual([]);
});
