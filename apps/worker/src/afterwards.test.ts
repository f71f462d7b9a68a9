import { describe, expect, test } from "vitest";
import { Afterwards } from "./afterwards.ts";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

describe("Afterwards", () => {
  test("work starts at once; run waits only while more than the limit run", async () => {
    const after = new Afterwards(2);
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    await after.run(() => (started.push(0), gates[0]!.promise));
    await after.run(() => (started.push(1), gates[1]!.promise));
    expect(started).toEqual([0, 1]);
    let third = false;
    const running = after
      .run(() => (started.push(2), gates[2]!.promise))
      .then(() => (third = true));
    await new Promise((r) => setTimeout(r, 20));
    // Over the limit: started all the same, and the caller waits.
    expect(started).toEqual([0, 1, 2]);
    expect(third).toBe(false);
    expect(after.size).toBe(3);
    gates[0]!.resolve();
    await running;
    expect(third).toBe(true);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await after.drain();
    expect(after.size).toBe(0);
  });

  test("drain waits for everything, including what was started meanwhile; failures are dropped", async () => {
    const after = new Afterwards(10);
    const gate = deferred();
    const done: string[] = [];
    await after.run(async () => {
      await gate.promise;
      done.push("first");
      await after.run(async () => {
        await new Promise((r) => setTimeout(r, 20));
        done.push("started by the first");
      });
    });
    await after.run(() => Promise.reject(new Error("redis went away")));
    await after.run(() => {
      throw new Error("threw before it started");
    });
    const draining = after.drain().then(() => done.push("drained"));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toEqual([]);
    gate.resolve();
    await draining;
    expect(done).toEqual(["first", "started by the first", "drained"]);
    expect(after.size).toBe(0);
  });
});
