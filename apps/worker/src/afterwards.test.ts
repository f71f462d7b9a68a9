import { describe, expect, test } from "vitest";
import { Afterwards } from "./afterwards.ts";

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("Afterwards", () => {
  test("work waits for flush, or for the delay when no flush comes", async () => {
    const after = new Afterwards(10, 30);
    const started: string[] = [];
    await after.add(async () => void started.push("a"));
    await after.add(async () => void started.push("b"));
    expect(started).toEqual([]);
    after.flush();
    expect(started).toEqual(["a", "b"]);

    await after.add(async () => void started.push("c"));
    expect(started).toEqual(["a", "b"]);
    await new Promise((r) => setTimeout(r, 60));
    expect(started).toEqual(["a", "b", "c"]);
    await after.drain();
    expect(after.size).toBe(0);
  });

  test("add waits while more than the limit run or wait", async () => {
    const after = new Afterwards(2, 1000);
    const gates = [deferred(), deferred(), deferred()];
    await after.add(() => gates[0]!.promise);
    await after.add(() => gates[1]!.promise);
    let third = false;
    const adding = after.add(() => gates[2]!.promise).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 20));
    // Over the limit: everything was started at once, and the caller waits.
    expect(third).toBe(false);
    expect(after.size).toBe(3);
    gates[0]!.resolve();
    await adding;
    expect(third).toBe(true);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await after.drain();
    expect(after.size).toBe(0);
  });

  test("drain waits for everything, including what was added meanwhile; failures are dropped", async () => {
    const after = new Afterwards(10, 1000);
    const gate = deferred();
    const done: string[] = [];
    await after.add(async () => {
      await gate.promise;
      done.push("first");
      await after.add(async () => void done.push("added by the first"));
    });
    await after.add(() => Promise.reject(new Error("redis went away")));
    await after.add(() => {
      throw new Error("threw before it started");
    });
    const draining = after.drain().then(() => done.push("drained"));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toEqual([]);
    gate.resolve();
    await draining;
    expect(done).toEqual(["first", "added by the first", "drained"]);
  });
});
