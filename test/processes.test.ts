import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Redis } from "ioredis";
import { startFakeProvider, type FakeProvider } from "./fake-provider/server.ts";
import { addSecrets, secretsOfEnv, watchOutput } from "./helpers/secrets.ts";
import { adminQuery, databaseUrl, TEST_REDIS_URL, uniqueName } from "./helpers/services.ts";
import { eventually } from "./helpers/system.ts";

// The README's commands as real processes: `pnpm db:migrate`, `pnpm db:seed`, `pnpm start:api`
// and `pnpm start:worker`, configured only through the environment.

const ROOT = new URL("..", import.meta.url).pathname;
const CLIENT = "client-key-processes-0001";
const GROQ_KEY = "gsk_fake_processes_key_00000000000000";

interface Proc {
  child: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

function run(script: string, env: Record<string, string>): Proc {
  const child = spawn("pnpm", ["--silent", script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const out: string[] = [];
  // Scanned for secrets after the file (test/helpers/secret-scan.ts).
  watchOutput(`pnpm ${script}`, () => out.join(""));
  addSecrets(secretsOfEnv(env));
  child.stdout!.on("data", (d: Buffer) => out.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => out.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, out, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

const dbName = uniqueName("qforge_p");
const prefix = uniqueName("qfp");
let fake: FakeProvider;
let env: Record<string, string>;
const running: Proc[] = [];

beforeAll(async () => {
  await adminQuery(`CREATE DATABASE ${dbName}`);
  fake = await startFakeProvider();
  env = {
    DATABASE_URL: databaseUrl(dbName),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
    API_KEYS: CLIENT,
    GROQ_API_KEYS: GROQ_KEY,
    GROQ_BASE_URL: fake.url,
    WORKER_CONCURRENCY: "4",
  };
});

afterAll(async () => {
  for (const p of running) {
    try {
      process.kill(-p.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await fake?.close();
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

describe("from an empty database to a completed job", () => {
  test("pnpm db:migrate, then pnpm db:seed twice (the second adds nothing)", async () => {
    const migrate = run("db:migrate", env);
    expect(await migrate.exited, migrate.out.join("")).toBe(0);
    const again = run("db:migrate", env);
    expect(await again.exited, again.out.join("")).toBe(0);

    const seed = run("db:seed", env);
    expect(await seed.exited, seed.out.join("")).toBe(0);
    expect(seed.out.join("")).toMatch(/question bank: [1-9]\d* added, 0 already present/);
    const reseed = run("db:seed", env);
    expect(await reseed.exited).toBe(0);
    expect(reseed.out.join("")).toMatch(/question bank: 0 added, [1-9]\d* already present/);
  }, 60_000);

  test("pnpm start:api and pnpm start:worker serve a lone job and a batch, then stop on SIGTERM", async () => {
    const api = run("start:api", env);
    const worker = run("start:worker", env);
    running.push(api, worker);
    const base = `http://127.0.0.1:${env.PORT}`;
    await eventually(async () => {
      const r = await fetch(`${base}/readyz`).catch(() => undefined);
      return r?.status === 200;
    }, 30_000);

    const auth = { authorization: `Bearer ${CLIENT}`, "content-type": "application/json" };
    const res = await fetch(`${base}/api/v1/questions/generate?wait=25`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ role: "Backend Engineer", difficulty: "medium", question_count: 12 }),
    });
    const job: any = await res.json();
    expect(res.status, JSON.stringify(job)).toBe(200);
    expect(job.status).toBe("completed");
    expect(job.questions).toHaveLength(12);

    const created = await fetch(`${base}/api/v1/batches`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        items: Array.from({ length: 8 }, (_, i) => ({
          role: `Role ${i}`,
          difficulty: "easy",
          question_count: 1 + i,
        })),
      }),
    }).then((r) => r.json() as Promise<any>);
    const batch = await eventually(async () => {
      const b: any = await fetch(`${base}/api/v1/batches/${created.id}`, { headers: auth }).then(
        (r) => r.json(),
      );
      return b.status === "completed" ? b : undefined;
    });
    expect(batch.counts).toMatchObject({ total: 8, completed: 8, failed: 0 });

    // As Ctrl-C or a supervisor would: the signal reaches the whole process group (pnpm itself
    // ends by the signal; the app underneath drains and says so).
    process.kill(-api.child.pid!, "SIGTERM");
    process.kill(-worker.child.pid!, "SIGTERM");
    await Promise.all([api.exited, worker.exited]);
    expect(api.out.join("")).toContain('"msg":"api stopped"');
    expect(worker.out.join("")).toContain('"msg":"worker stopped"');

    // JSON logs with request and job ids, and no secret anywhere.
    const logs = [...api.out, ...worker.out].join("");
    const lines = logs.split("\n").filter((l) => l.startsWith("{"));
    expect(lines.length).toBeGreaterThan(5);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.some((l) => l.req?.id && l.res?.statusCode === 200)).toBe(true);
    expect(parsed.some((l) => l.jobId && l.msg === "job completed")).toBe(true);
    expect(logs).not.toContain(GROQ_KEY);
    expect(logs).not.toContain(CLIENT);
  }, 90_000);
});

describe("bad configuration", () => {
  test.each([
    ["start:api", { PORT: "http" }, "PORT"],
    ["start:worker", { WORKER_CONCURRENCY: "-1" }, "WORKER_CONCURRENCY"],
    ["start:api", { DATABASE_URL: "" }, "DATABASE_URL"],
  ])(
    "%s with %o stops with one line naming %s",
    async (script, override, variable) => {
      const p = run(script, { ...env, ...override });
      expect(await p.exited).toBe(1);
      const output = p.out.join("").trim().split("\n");
      expect(output).toHaveLength(1);
      expect(output[0]).toMatch(new RegExp(`^Invalid configuration: ${variable}: `));
    },
    30_000,
  );
});
