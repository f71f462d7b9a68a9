import { describe, expect, it } from "vitest";
import { isId, newId } from "./ids.ts";

describe("newId", () => {
  it("makes distinct v7 UUIDs across refills of the random pool", () => {
    // 4 KiB of pool serve 256 ids: 2000 ids refill it several times.
    const ids = Array.from({ length: 2000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(isId(id)).toBe(true);
    }
  });

  it("orders ids by the millisecond they were made in", async () => {
    const first = newId();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = newId();
    expect(second.slice(0, 13) > first.slice(0, 13)).toBe(true);
    const ms = (id: string) => parseInt(id.replace(/-/g, "").slice(0, 12), 16);
    expect(Math.abs(ms(second) - Date.now())).toBeLessThan(1000);
  });
});
