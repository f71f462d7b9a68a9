import { afterAll } from "vitest";
import { assertNoSecretsLogged } from "./secrets.ts";

// A vitest setup file: runs in every test file. Its afterAll runs last (hooks unwind as a
// stack), once the file's own cleanup has stopped its processes and their output is complete.
afterAll(() => {
  assertNoSecretsLogged();
});
