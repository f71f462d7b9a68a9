import { execFileSync } from "node:child_process";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startApi, type ApiServer } from "@qforge/api";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { startSystem, type TestSystem } from "./helpers/system.ts";

// Bull Board at /admin/queues: basic auth (ADMIN_USER / ADMIN_PASSWORD), every queue, read-only;
// off (404) without a password. Rendered in a real browser: Debian's Chromium driven by
// playwright-core (scripts/ensure-chromium.sh installs it when missing; nothing is downloaded by
// Playwright).

const USER = "ops";
const PASSWORD = "bull-board-test-password-42";
const QUEUES = ["groq", "huggingface", "openai_compat", "webhooks"];
const basic = (user: string, password: string) =>
  "Basic " + Buffer.from(`${user}:${password}`).toString("base64");

let sys: TestSystem;

beforeAll(async () => {
  sys = await startSystem({ ADMIN_USER: USER, ADMIN_PASSWORD: PASSWORD }, { workers: false });
  // Something to see on the groq queue.
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue("groq", { connection, prefix: sys.config.queuePrefix });
  await queue.add("generate", { jobId: "01900000-0000-7000-8000-000000000001" });
  await queue.close();
  connection.disconnect();
});
afterAll(async () => {
  await sys?.close();
});

describe("over HTTP", () => {
  test("refused without credentials or with wrong ones", async () => {
    for (const authorization of [
      undefined,
      basic(USER, "wrong"),
      basic("someone", PASSWORD),
      basic(USER, PASSWORD + "x"),
      "Bearer " + PASSWORD,
      "Basic !!!",
    ]) {
      for (const path of ["/admin/queues", "/admin/queues/api/queues"]) {
        const res = await fetch(
          sys.api.url + path,
          authorization ? { headers: { authorization } } : {},
        );
        expect(res.status, `${path} ${authorization}`).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
        const text = await res.text();
        expect(text).not.toContain(PASSWORD);
      }
    }
  });

  test("with credentials: the board and every queue under QUEUE_PREFIX, read-only", async () => {
    const headers = { authorization: basic(USER, PASSWORD) };
    const page = await fetch(`${sys.api.url}/admin/queues`, { headers });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    await page.text();

    const api = await fetch(`${sys.api.url}/admin/queues/api/queues`, { headers });
    expect(api.status).toBe(200);
    const body = (await api.json()) as {
      queues: { name: string; readOnlyMode: boolean; counts: Record<string, number> }[];
    };
    expect(body.queues.map((q) => q.name).sort()).toEqual([...QUEUES].sort());
    for (const q of body.queues) expect(q.readOnlyMode).toBe(true);
    expect(body.queues.find((q) => q.name === "groq")?.counts.waiting).toBe(1);

    // Read-only: emptying a queue is refused and leaves the job there.
    const empty = await fetch(`${sys.api.url}/admin/queues/api/queues/groq/empty`, {
      method: "PUT",
      headers,
    });
    expect(empty.status).toBeGreaterThanOrEqual(400);
    await empty.text();
    const after = (await (
      await fetch(`${sys.api.url}/admin/queues/api/queues`, { headers })
    ).json()) as typeof body;
    expect(after.queues.find((q) => q.name === "groq")?.counts.waiting).toBe(1);
  });

  test("without ADMIN_PASSWORD Bull Board is off: 404", async () => {
    let off: ApiServer | undefined;
    try {
      off = await startApi(
        { ...sys.config, admin: { user: USER, password: undefined } },
        sys.logger,
        { host: "127.0.0.1", port: 0 },
      );
      for (const authorization of [undefined, basic(USER, PASSWORD)]) {
        const res = await fetch(
          `${off.url}/admin/queues`,
          authorization ? { headers: { authorization } } : {},
        );
        expect(res.status).toBe(404);
        await res.text();
      }
    } finally {
      await off?.close();
    }
  });
});

describe("in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    const executablePath = execFileSync("bash", ["scripts/ensure-chromium.sh"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
    browser = await chromium.launch({
      executablePath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
  });

  test("without credentials, or with wrong ones, the page is refused", async () => {
    for (const httpCredentials of [undefined, { username: USER, password: "wrong" }]) {
      const context = await browser.newContext(httpCredentials ? { httpCredentials } : {});
      try {
        const page = await context.newPage();
        const served: number[] = [];
        page.on("response", (r) => served.push(r.status()));
        // Headless Chromium answers a 401 Basic challenge it cannot meet with a network error.
        const outcome = await page.goto(`${sys.api.url}/admin/queues`).then(
          (r) => `status ${r?.status()}`,
          (e: Error) => e.message,
        );
        expect(outcome).toMatch(/status 401|ERR_INVALID_AUTH_CREDENTIALS/);
        // Nothing of the board was served: every answer the page got was a 401.
        expect(
          served.every((status) => status === 401),
          JSON.stringify(served),
        ).toBe(true);
      } finally {
        await context.close();
      }
    }
  });

  test("after logging in it renders and shows every queue", async () => {
    const context = await browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
    });
    try {
      const page = await context.newPage();
      const response = await page.goto(`${sys.api.url}/admin/queues`);
      expect(response?.status()).toBe(200);
      // The queue list is rendered by the board's script from its API, not in the HTML.
      for (const name of QUEUES) {
        await page.getByText(name, { exact: true }).first().waitFor({ timeout: 20_000 });
      }
      const screenshot = await page.screenshot({ fullPage: true });
      expect(screenshot.length).toBeGreaterThan(1000);
      if (process.env.QFORGE_SCREENSHOT) {
        const { writeFileSync } = await import("node:fs");
        writeFileSync(process.env.QFORGE_SCREENSHOT, screenshot);
      }
    } finally {
      await context.close();
    }
  });
});
