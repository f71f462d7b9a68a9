// The fake provider's per-key requests-per-minute limit and its stats route (used by `pnpm bench`).
import { afterEach, describe, expect, it } from "vitest";
import {
  connectFakeProvider,
  startFakeProvider,
  type FakeProvider,
} from "./fake-provider/server.ts";

const open: FakeProvider[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

async function chat(url: string, key: string) {
  const res = await fetch(`${url}/openai/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: "m",
      messages: [{ role: "user", content: "Role: Tester\nNumber of questions: 1" }],
    }),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() };
}

describe("fake provider rpm limit", () => {
  it("answers 429 with retry-after past N requests per key in the window; keys are separate", async () => {
    const f = await startFakeProvider({ rpm: 3 });
    open.push(f);
    const a = [];
    for (let i = 0; i < 5; i++) a.push(await chat(f.url, "key-a"));
    expect(a.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    const retry = Number(a[3]!.retryAfter);
    expect(retry).toBeGreaterThanOrEqual(59);
    expect(retry).toBeLessThanOrEqual(60);
    expect((await chat(f.url, "key-b")).status).toBe(200);

    const stats = await connectFakeProvider(f.url).stats();
    expect(stats).toMatchObject({ requests: 6, ok: 4, limited: 2, rpm: 3 });
    expect(stats.byKey["key-a"]).toEqual({ requests: 5, ok: 3, limited: 2 });
    expect(stats.byKey["key-b"]).toEqual({ requests: 1, ok: 1, limited: 0 });
    expect(stats.firstAt).not.toBeNull();
    // 429s are not model calls: only the answered ones are recorded.
    expect(f.calls).toHaveLength(4);
  });

  it("frees a slot once the oldest request is 60 s old (sliding window)", async () => {
    let now = 1_000_000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const f = await startFakeProvider({ rpm: 2 });
      open.push(f);
      expect((await chat(f.url, "k")).status).toBe(200);
      now += 30_000;
      expect((await chat(f.url, "k")).status).toBe(200);
      now += 29_000;
      const limited = await chat(f.url, "k");
      expect(limited.status).toBe(429);
      expect(limited.retryAfter).toBe("1");
      now += 1_000; // the first request is now 60 s old
      expect((await chat(f.url, "k")).status).toBe(200);
      expect((await chat(f.url, "k")).status).toBe(429);
    } finally {
      Date.now = realNow;
    }
  });

  it("is set and lifted over the control route; recording can be off; reset clears stats", async () => {
    const f = await startFakeProvider({ recordCalls: false });
    open.push(f);
    const remote = connectFakeProvider(f.url);
    await remote.setRpm(1);
    expect((await chat(f.url, "k")).status).toBe(200);
    expect((await chat(f.url, "k")).status).toBe(429);
    await remote.setRpm(null);
    expect((await chat(f.url, "k")).status).toBe(200);
    expect(f.calls).toHaveLength(0);
    expect((await remote.stats()).requests).toBe(3);
    await remote.reset();
    expect(await remote.stats()).toMatchObject({ requests: 0, limited: 0, firstAt: null });
    const bad = await fetch(`${f.url}/__control/limit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rpm: -1 }),
    });
    expect(bad.status).toBe(400);
  });
});
