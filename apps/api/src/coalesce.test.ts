import { expect, test } from "vitest";
import { coalesce } from "./coalesce.ts";

/** A load whose calls the test ends one by one; each answers with the value at its start. */
function controlled() {
  let value = 0;
  const calls: { startedWith: number; end: () => void }[] = [];
  const load = (key: string) =>
    new Promise<string>((resolve) => {
      const startedWith = value;
      calls.push({ startedWith, end: () => resolve(`${key}:${startedWith}`) });
    });
  return { load, calls, set: (v: number) => (value = v) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test("reads that arrive during a query share the next one, which starts after them", async () => {
  const c = controlled();
  const read = coalesce(c.load, (k) => k);
  const first = read("a");
  c.set(1); // a change lands after the first query began
  const second = read("a");
  const third = read("a");
  await tick();
  expect(c.calls).toHaveLength(1);
  c.calls[0]!.end();
  expect(await first).toBe("a:0");
  await tick();
  // The later reads were not answered by the query that began before them.
  expect(c.calls).toHaveLength(2);
  c.calls[1]!.end();
  expect(await second).toBe("a:1");
  expect(await third).toBe("a:1");
});

test("other keys do not wait, and a failed query fails only its own reads", async () => {
  let n = 0;
  const read = coalesce(
    async (k: string) => {
      n++;
      if (k === "bad") throw new Error("boom");
      return k;
    },
    (k) => k,
  );
  await expect(Promise.all([read("x"), read("y")])).resolves.toEqual(["x", "y"]);
  await expect(read("bad")).rejects.toThrow("boom");
  await expect(read("x")).resolves.toBe("x");
  expect(n).toBe(4);
});
