import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { eventually } from "./helpers/system.ts";

// `pnpm start` as a newcomer runs it: a real child process with DATABASE_URL and REDIS_URL unset,
// so it starts an embedded Postgres and a redis-server of its own, in a data folder of this
// file's own (QFORGE_HOME), never the repository's `.qforge`.

const ROOT = new URL("..", import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), "qforge-start-"));

interface Start {
  child: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

function start(extra: Record<string, string> = {}): Start {
  // Only what a fresh shell has: no DATABASE_URL, REDIS_URL, provider keys or API keys.
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...extra };
  const child = spawn("pnpm", ["--silent", "start"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const out: string[] = [];
  child.stdout!.on("data", (d: Buffer) => out.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => out.push(d.toString()));
  const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
  return { child, out, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** pid → [ppid, pgid] for every process, from /proc. */
function processTable(): Map<number, { ppid: number; pgid: number; cmd: string }> {
  const table = new Map<number, { ppid: number; pgid: number; cmd: string }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name may hold spaces and parentheses: the fields start after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      table.set(Number(entry), { ppid: Number(fields[1]), pgid: Number(fields[2]), cmd });
    } catch {
      // it ended while we looked
    }
  }
  return table;
}

/** Every process descending from `root`, itself included. */
function tree(root: number): number[] {
  const table = processTable();
  const found = [root];
  for (let i = 0; i < found.length; i++) {
    for (const [pid, p] of table) if (p.ppid === found[i]) found.push(pid);
  }
  return found.filter((pid) => table.has(pid));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes that use this test's data folder (Postgres names it on its command line). */
function usingHome(): string[] {
  return [...processTable().values()].map((p) => p.cmd).filter((cmd) => cmd.includes(home));
}

/** The process that owns the system: `pnpm start` writes its pid to `<home>/start.pid`. */
function systemPid(): number {
  return Number.parseInt(readFileSync(join(home, "start.pid"), "utf8"), 10);
}

async function ready(s: Start, base: string): Promise<void> {
  await eventually(async () => {
    if (s.child.exitCode !== null) throw new Error(`pnpm start exited:\n${s.out.join("")}`);
    const r = await fetch(`${base}/readyz`).catch(() => undefined);
    return r?.status === 200 && s.out.join("").includes("qforge is running");
  }, 50_000);
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = { QFORGE_HOME: home, HOST: "127.0.0.1", PORT: String(port) };
const starts: Start[] = [];
let jobId: string | undefined;
let firstStatus: string | undefined;

afterAll(async () => {
  for (const s of starts) {
    try {
      process.kill(-s.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
  // Whatever survived a failed test: end it by its pid, then drop the data folder.
  if (existsSync(join(home, "start.pid"))) {
    for (const pid of tree(systemPid()).reverse()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  rmSync(home, { recursive: true, force: true });
});

describe("pnpm start with nothing configured", () => {
  test("provides Postgres and Redis, migrates, seeds and prints the banner", async () => {
    const s = start(env);
    starts.push(s);
    await ready(s, base);
    const out = s.out.join("");
    const adminPassword = readFileSync(join(home, "admin-password"), "utf8").trim();
    expect(out).toContain(`${base}/api/v1`);
    expect(out).toContain(`${base}/admin/queues`);
    expect(out).toContain(`user admin, password ${adminPassword}`);
    expect(out).toMatch(/providers: +none configured: questions come from the curated bank/);
    expect(out).toContain(`curl -s -X POST '${base}/api/v1/questions/generate?wait=30'`);
    expect(out).toMatch(/migrations: [1-9]\d* applied/);
    expect(out).toMatch(/"added":[1-9]\d*/);
    // The database password is never shown.
    const dbPassword = readFileSync(join(home, "postgres-password"), "utf8").trim();
    expect(out).not.toContain(dbPassword);
    // Its services are children of the system process, kept in the data folder.
    const cmds = tree(systemPid()).map((pid) => processTable().get(pid)?.cmd ?? "");
    expect(cmds.some((c) => c.includes("postgres") && c.includes(join(home, "postgres")))).toBe(
      true,
    );
    expect(cmds.some((c) => c.includes("redis-server"))).toBe(true);
  }, 60_000);

  test("a second start on the same folder is refused while the first runs", async () => {
    const second = start({ ...env, PORT: String(await freePort()) });
    starts.push(second);
    expect(await second.exited).toBe(1);
    expect(second.out.join("")).toContain(`qforge is already running from ${home}`);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  }, 30_000);

  test("a job for a role of the bank completes from the bank", async () => {
    const res = await fetch(`${base}/api/v1/questions/generate?wait=30`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ role: "Backend Engineer", difficulty: "easy", question_count: 3 }),
    });
    const job: any = await res.json();
    jobId = job.id;
    firstStatus = job.status;
    expect(job.status, JSON.stringify(job)).toBe("completed");
    expect(res.status).toBe(200);
    expect(job.questions).toHaveLength(3);
    expect(job.questions.every((q: any) => q.source === "bank")).toBe(true);
  }, 40_000);

  test("Ctrl-C stops the API, the workers, redis-server and Postgres, cleanly", async () => {
    const s = starts[0]!;
    const system = systemPid();
    const started = tree(system);
    expect(started.length).toBeGreaterThanOrEqual(3);
    // A terminal's Ctrl-C goes to its foreground process group: the one pnpm runs the script in.
    const launcher = processTable().get(system)!.ppid;
    const group = processTable().get(launcher)!.pgid;
    process.kill(-group, "SIGINT");

    expect(await s.exited).toBe(0);
    await eventually(async () => started.every((pid) => !alive(pid)), 20_000);
    expect(usingHome()).toEqual([]);
    expect(s.out.join("")).toContain('"msg":"qforge stopped"');
    expect(readFileSync(join(home, "postgres.log"), "utf8")).toMatch(
      /database system is shut down\s*$/,
    );
    expect(readFileSync(join(home, "redis.log"), "utf8")).toContain("Redis is now ready to exit");
    expect(existsSync(join(home, "start.pid"))).toBe(false);
  }, 40_000);

  test("a second start reuses the data: the job is still there", async () => {
    expect(jobId).toBeDefined();
    const s = start(env);
    starts.push(s);
    await ready(s, base);
    const out = s.out.join("");
    expect(out).toMatch(/migrations: 0 applied/);
    expect(out).toMatch(/"added":0/);
    const adminPassword = readFileSync(join(home, "admin-password"), "utf8").trim();
    expect(out).toContain(`user admin, password ${adminPassword}`);

    const res = await fetch(`${base}/api/v1/jobs/${jobId}`);
    expect(res.status).toBe(200);
    const job: any = await res.json();
    expect(job.id).toBe(jobId);
    expect(job.status).toBe(firstStatus);

    // As a supervisor would stop it: SIGTERM to pnpm, which passes it on.
    const started = tree(systemPid());
    process.kill(s.child.pid!, "SIGTERM");
    await s.exited;
    await eventually(async () => started.every((pid) => !alive(pid)), 20_000);
    expect(usingHome()).toEqual([]);
    expect(s.out.join("")).toContain('"msg":"qforge stopped"');
  }, 60_000);

  test("without a redis-server it says how to get one, and starts nothing", async () => {
    const empty = mkdtempSync(join(tmpdir(), "qforge-start-noredis-"));
    try {
      const s = start({
        ...env,
        QFORGE_HOME: empty,
        QFORGE_REDIS_SERVER: join(empty, "no-such-redis-server"),
      });
      starts.push(s);
      expect(await s.exited).toBe(1);
      const out = s.out.join("");
      expect(out).toContain("apt-get install -y redis-server");
      expect(out).toContain("brew install redis");
      expect(out).toContain("REDIS_URL");
      expect(existsSync(join(empty, "postgres"))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 30_000);
});
