import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { Redis } from "ioredis";
import { CURATED_BANK, matchBankRole, seedBank } from "@qforge/database";
import { categoryKey } from "@qforge/schemas";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { expectGuarantees } from "./helpers/guarantees.ts";
import { startSystem, type TestSystem } from "./helpers/system.ts";

// Spend nothing twice: the cache, then questions already in Postgres (the tenant's own and the
// curated bank), then a provider.

const A = "client-key-reuse-tenant-a-0001";
const B = "client-key-reuse-tenant-b-0002";
const GROQ = "gsk_fake_reuse_key_0000000000000000000";
const ROLES = Object.keys(CURATED_BANK);

async function generate(sys: TestSystem, body: unknown, key?: string) {
  return sys.call("/api/v1/questions/generate?wait=30", {
    method: "POST",
    body,
    ...(key ? { key } : {}),
  });
}

/** How many curated questions fit a role (bank name), difficulty and categories. */
function bankCount(role: string, difficulty: "easy" | "medium" | "hard", categories?: string[]) {
  const entries = CURATED_BANK[role]?.[difficulty] ?? [];
  if (!categories?.length) return entries.length;
  const wanted = new Set(categories.map(categoryKey));
  return entries.filter(([c]) => wanted.has(categoryKey(c))).length;
}

describe("with a provider", () => {
  let fake: FakeProvider;
  let sys: TestSystem;
  beforeAll(async () => {
    fake = await startFakeProvider();
    sys = await startSystem({
      API_KEYS: `${A},${B}`,
      GROQ_API_KEY: GROQ,
      GROQ_BASE_URL: fake.url,
      GROQ_RPM: "100000",
      GROQ_TPM: "1000000000",
      GROQ_RPD: "1000000",
      GROQ_TPD: "1000000000",
    });
    await seedBank(sys.db);
  });
  afterAll(async () => {
    await sys?.close();
    await fake?.close();
  });

  test("a repeated request is answered from the cache; fresh: true calls the provider", async () => {
    const request = { role: "Cache Role", difficulty: "medium", question_count: 4 };
    const first = await generate(sys, request, A);
    expectGuarantees(first.body);
    expect(first.body.questions.every((q: any) => q.source === "ai")).toBe(true);
    const calls = fake.calls.length;

    // Same request, categories in another order and case, role spelled loosely: same key.
    const again = await generate(sys, { ...request, role: "  cache   ROLE " }, A);
    expectGuarantees(again.body);
    expect(fake.calls.length).toBe(calls);
    expect(again.body.questions.map((q: any) => q.question)).toEqual(
      first.body.questions.map((q: any) => q.question),
    );
    expect(again.body.questions.every((q: any) => q.source === "cache")).toBe(true);
    expect(again.body.questions[0].provider).toBe("groq");

    const fresh = await generate(sys, { ...request, fresh: true }, A);
    expectGuarantees(fresh.body);
    expect(fake.calls.length).toBeGreaterThan(calls);
    expect(fresh.body.questions.every((q: any) => q.source === "ai")).toBe(true);
  });

  test("another tenant never gets the first tenant's cached or generated questions", async () => {
    const request = { role: "Private Role", difficulty: "easy", question_count: 3 };
    const a = await generate(sys, request, A);
    const calls = fake.calls.length;
    const b = await generate(sys, request, B);
    expectGuarantees(b.body);
    expect(fake.calls.length).toBeGreaterThan(calls);
    expect(b.body.questions.every((q: any) => q.source === "ai")).toBe(true);
    const mine = new Set(a.body.questions.map((q: any) => q.question));
    expect(b.body.questions.some((q: any) => mine.has(q.question))).toBe(false);
  });

  test("a tenant's generated questions are reused for its later requests for the role", async () => {
    const first = await generate(
      sys,
      { role: "Reuse Role", difficulty: "hard", question_count: 6 },
      A,
    );
    expectGuarantees(first.body);
    const calls = fake.calls.length;
    const later = await generate(
      sys,
      { role: "reuse role", difficulty: "hard", question_count: 4 },
      A,
    );
    expectGuarantees(later.body);
    expect(fake.calls.length).toBe(calls);
    expect(
      later.body.questions.every((q: any) => q.source === "bank" && q.bank_role === null),
    ).toBe(true);
    const earlier = new Set(first.body.questions.map((q: any) => q.question));
    expect(later.body.questions.every((q: any) => earlier.has(q.question))).toBe(true);
  });

  test("the curated bank fills what it can; a provider makes the rest", async () => {
    const role = ROLES[0]!;
    const have = bankCount(role, "easy");
    const res = await generate(
      sys,
      { role: `Senior ${role}`, difficulty: "easy", question_count: have + 2 },
      A,
    );
    expectGuarantees(res.body);
    const sources = res.body.questions.map((q: any) => q.source);
    expect(sources.filter((s: string) => s === "bank")).toHaveLength(have);
    expect(sources.filter((s: string) => s === "ai")).toHaveLength(2);
    for (const q of res.body.questions.filter((q: any) => q.source === "bank")) {
      expect(q).toMatchObject({ bank_role: role, provider: null, model: null });
    }
  });

  test("property: any valid request completes with exactly its guarantees, whatever answers it", async () => {
    const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,11}$/);
    const bankCategories = [
      ...new Set(
        Object.values(CURATED_BANK).flatMap((levels) =>
          Object.values(levels).flatMap((entries) => entries.map(([c]) => c)),
        ),
      ),
    ];
    const role = fc.oneof(
      fc.constantFrom(...ROLES),
      fc.constantFrom(...ROLES).map((r) => `senior ${r.toLowerCase()}`),
      fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(" ")),
    );
    const categories = fc.uniqueArray(fc.oneof(fc.constantFrom(...bankCategories), word), {
      maxLength: 4,
      selector: (c) => c.toLowerCase(),
    });
    const request = fc.record(
      {
        role,
        difficulty: fc.constantFrom("easy", "medium", "hard"),
        question_count: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 50 })),
        categories,
        fresh: fc.boolean(),
      },
      { requiredKeys: ["role", "difficulty", "question_count"] },
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (req, repeat) => {
        runs++;
        const res = await generate(sys, req, A);
        expect(res.status).toBe(200);
        expectGuarantees(res.body);
        if (repeat) {
          const again = await generate(sys, { ...req, fresh: false }, A);
          expectGuarantees(again.body);
          expect(again.body.questions.every((q: any) => q.source === "cache")).toBe(true);
          expect(again.body.questions.map((q: any) => q.question)).toEqual(
            res.body.questions.map((q: any) => q.question),
          );
        }
      }),
      { numRuns: 120 },
    );
    expect(runs).toBeGreaterThanOrEqual(120);
  }, 240_000);
});

describe("with no provider keys at all", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startSystem({});
    await seedBank(sys.db);
  });
  afterAll(async () => {
    await sys?.close();
  });

  test("requests for the seeded roles complete from the bank, however the role is named", async () => {
    const role = ROLES[1]!;
    const loose = `Senior ${role.toLowerCase().replace(" engineer", " developer")}`;
    expect(matchBankRole(loose)).toBe(role);
    const res = await generate(sys, { role: loose, difficulty: "medium", question_count: 2 });
    expect(res.status).toBe(200);
    expectGuarantees(res.body);
    for (const q of res.body.questions) {
      expect(q).toMatchObject({ source: "bank", bank_role: role, provider: null });
    }
  });

  test("a request the bank cannot fill fails with no_provider, saying why", async () => {
    const res = await generate(sys, {
      role: "Underwater Welder",
      difficulty: "easy",
      question_count: 2,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "failed", error: { code: "no_provider" } });
    expect(res.body.error.message).toMatch(/bank has 0 of the 2/);
  });

  test("property: bank roles complete from the bank when it has enough, else fail no_provider", async () => {
    const request = fc
      .record({
        role: fc.constantFrom(...ROLES),
        difficulty: fc.constantFrom("easy" as const, "medium" as const, "hard" as const),
        pick: fc.integer({ min: 0, max: 1000 }),
        count: fc.integer({ min: 1, max: 15 }),
        withCategories: fc.boolean(),
      })
      .map(({ role, difficulty, pick, count, withCategories }) => {
        const cats = [...new Set(CURATED_BANK[role]![difficulty].map(([c]) => c))];
        const categories = withCategories ? [cats[pick % cats.length]!] : undefined;
        return { role, difficulty, question_count: count, ...(categories ? { categories } : {}) };
      });
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const res = await generate(sys, req);
        expect(res.status).toBe(200);
        if (bankCount(req.role, req.difficulty, req.categories) >= req.question_count) {
          expectGuarantees(res.body);
          expect(
            res.body.questions.every((q: any) => q.source === "bank" || q.source === "cache"),
          ).toBe(true);
        } else {
          expect(res.body).toMatchObject({ status: "failed", error: { code: "no_provider" } });
        }
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});

describe("with CACHE_TTL_SECONDS=0", () => {
  let fake: FakeProvider;
  let sys: TestSystem;
  beforeAll(async () => {
    fake = await startFakeProvider();
    sys = await startSystem({
      API_KEYS: A,
      GROQ_API_KEY: GROQ,
      GROQ_BASE_URL: fake.url,
      CACHE_TTL_SECONDS: "0",
    });
  });
  afterAll(async () => {
    await sys?.close();
    await fake?.close();
  });

  test("the cache is off: nothing is written to it or answered from it", async () => {
    const request = { role: "Uncached Role", difficulty: "hard", question_count: 3 };
    const first = await generate(sys, { ...request, fresh: true }, A);
    expectGuarantees(first.body);
    const again = await generate(sys, request, A);
    expectGuarantees(again.body);
    expect(again.body.questions.some((q: any) => q.source === "cache")).toBe(false);
    // Off, not failing: a write with no lifetime is an error Redis would log for every job.
    await new Promise((r) => setTimeout(r, 200));
    expect(sys.logs.lines.filter((l) => l.includes("cache"))).toEqual([]);
    const redis = new Redis(sys.config.redisUrl);
    try {
      expect(await redis.keys(`${sys.config.queuePrefix}:cache:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
