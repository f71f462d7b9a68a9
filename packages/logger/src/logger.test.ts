import { Writable } from "node:stream";
import { expect, test } from "vitest";
import { createLogger, lazyChild, registerSecrets } from "./index.ts";

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

test("a lazy child logs with its bindings, and is made only when a line is written", () => {
  const { lines, logger } = capture();
  let made = 0;
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<typeof child>) => {
    made++;
    return child(...args);
  }) as typeof logger.child;
  const log = lazyChild(logger, { jobId: "j-1" });
  log.debug({ n: 1 }, "below the level");
  expect(made).toBe(0);
  expect(lines).toHaveLength(0);
  log.info({ n: 2 }, "at the level");
  log.warn("again");
  expect(made).toBe(1);
  expect(lines.map((l) => JSON.parse(l))).toMatchObject([
    { jobId: "j-1", n: 2, msg: "at the level", level: "info" },
    { jobId: "j-1", msg: "again", level: "warn" },
  ]);
  expect(log.isLevelEnabled("debug")).toBe(false);
});
