import { Writable } from "node:stream";
import { expect, test } from "vitest";
import { createLogger, registerSecrets } from "./index.ts";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: "info" }, stream) };
}

test("registered secrets are scrubbed wherever they hide in a line", () => {
  registerSecrets(["gsk-unit-test-secret-123456", undefined, "tiny"]);
  const { lines, logger } = capture();
  logger.info(
    {
      err: new Error("upstream said: bad key gsk-unit-test-secret-123456"),
      nested: { x: ["gsk-unit-test-secret-123456"] },
    },
    "calling with gsk-unit-test-secret-123456",
  );
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toContain("gsk-unit-test-secret-123456");
  expect(lines[0]).toContain("[REDACTED]");
});

test("credential fields, prompts and outputs are redacted by path", () => {
  const { lines, logger } = capture();
  logger.info({
    req: { headers: { authorization: "Bearer abc.def.ghi" } },
    call: {
      apiKey: "k-123",
      token: "t-123",
      prompt: "the prompt text",
      completion: "model output",
    },
  });
  const line = JSON.parse(lines[0]!);
  expect(line.req.headers.authorization).toBe("[REDACTED]");
  expect(line.call).toEqual({
    apiKey: "[REDACTED]",
    token: "[REDACTED]",
    prompt: "[REDACTED]",
    completion: "[REDACTED]",
  });
});
