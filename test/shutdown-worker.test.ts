import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bullState, jobInFlight, startCluster, type Cluster } from "./helpers/cluster.ts";
import { waitForOutput } from "./helpers/processes.ts";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { eventually } from "./helpers/system.ts";

// Graceful shutdown of real worker processes (`node --import tsx apps/worker/src/main.ts`, as
// `pnpm start:worker` runs it): SIGTERM finishes active jobs within SHUTDOWN_TIMEOUT_MS and
// releases the rest; a second signal exits at once.

let c: Cluster;
beforeAll(async () => {
  c = await startCluster();
});
afterAll(async () => {
  await c?.close();
});

const jobRow = (id: string) =>
  c.sys.db.job.findUniqueOrThrow({ where: { id }, include: { questions: true } });

describe("worker", () => {
  test("SIGTERM mid-job: the job finishes, no new job starts, exit 0 within the bound", async () => {
    const w = await c.startWorker({ SHUTDOWN_TIMEOUT_MS: "15000" });
    const id = await jobInFlight(c, "Shutdown Finishes", 2500);
    const t0 = Date.now();
    w.signal("SIGTERM");
    await waitForOutput(w, "shutting down");
    // Submitted after the signal: this process must not take it.
    const late = await c.sys.call("/api/v1/questions/generate", {
      method: "POST",
      body: { role: "Shutdown Late", difficulty: "easy", question_count: 1, fresh: true },
    });
    expect(await w.exited).toBe(0);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(15_000);

    const job = await jobRow(id);
    expect(job.status).toBe("completed");
    expect(job.questions).toHaveLength(2);
    expect((await jobRow(late.body.id)).status).toBe("queued");
    expect(
      c.fake.calls.filter((x) => JSON.stringify(x.messages).includes("Shutdown Late")),
    ).toEqual([]);
    expect(w.logs().find((l) => l.msg === "worker stopped")).toMatchObject({ finished: true });
    console.log(`[figures] SIGTERM mid-job: exited 0 after ${elapsed} ms, job completed`);

    // The late job is still served, by the next worker.
    const next = await c.startWorker();
    await eventually(async () => (await jobRow(late.body.id)).status === "completed", 30_000);
    await next.stop();
  }, 60_000);

  test("a job that outlasts the bound is released to another worker at once", async () => {
    // The lock (30 s by default) is NOT what hands the job over: the release is.
    const w = await c.startWorker({ SHUTDOWN_TIMEOUT_MS: "1500", PROVIDER_TIMEOUT_MS: "60000" });
    const id = await jobInFlight(c, "Shutdown Outlasts", 60_000);
    const t0 = Date.now();
    w.signal("SIGTERM");
    expect(await w.exited).toBe(0);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(1500 + 4000);
    expect(w.logs().find((l) => l.msg === "worker stopped")).toMatchObject({ finished: false });
    expect(["waiting", "prioritized"]).toContain(
      await bullState(TEST_REDIS_URL, c.sys.config.queuePrefix, "groq", id),
    );

    c.fake.setRoleDefault("Shutdown Outlasts", { kind: "questions" });
    const next = await c.startWorker();
    const started = Date.now();
    await eventually(async () => (await jobRow(id)).status === "completed", 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    const job = await jobRow(id);
    expect(job.questions).toHaveLength(2);
    await next.stop();
    console.log(`[figures] job released after ${elapsed} ms, completed by the next worker`);
  }, 60_000);

  test("a second signal exits at once", async () => {
    const w = await c.startWorker({ SHUTDOWN_TIMEOUT_MS: "30000", PROVIDER_TIMEOUT_MS: "60000" });
    await jobInFlight(c, "Shutdown Twice", 60_000);
    w.signal("SIGTERM");
    await waitForOutput(w, "shutting down");
    const t0 = Date.now();
    w.signal("SIGINT");
    expect(await w.exited).toBe(1);
    // Far below the 30 s it would otherwise wait (a loaded machine delivers signals slowly).
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(w.output.join("")).toContain("second signal: exiting now");
    c.fake.setRoleDefault("Shutdown Twice", { kind: "questions" });
  }, 60_000);
});
