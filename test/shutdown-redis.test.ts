import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { jobInFlight, startCluster, type Cluster } from "./helpers/cluster.ts";
import { startFaultProxy, type FaultProxy } from "./helpers/proxy.ts";
import { TEST_REDIS_URL } from "./helpers/services.ts";
import { eventually } from "./helpers/system.ts";

// A worker told to stop while Redis hangs or refuses: BullMQ's close() would wait for ever; ours
// is bounded, and the job it held is taken over by another worker once Redis is back.

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
  describe.each(["stall", "down"] as const)("with Redis %s", (fault) => {
    let proxy: FaultProxy;
    beforeAll(async () => {
      proxy = await startFaultProxy(Number(new URL(TEST_REDIS_URL).port || 6379));
    });
    afterAll(async () => {
      await proxy?.close();
    });

    test("SIGTERM still ends the worker within the bound; the job is taken over later", async () => {
      const w = await c.startWorker({
        REDIS_URL: proxy.url(TEST_REDIS_URL),
        SHUTDOWN_TIMEOUT_MS: "2000",
        JOB_LOCK_MS: "3000",
      });
      const id = await jobInFlight(c, `Shutdown Redis ${fault}`, 1000);
      if (fault === "stall") proxy.stall();
      else proxy.down();
      const t0 = Date.now();
      w.signal("SIGTERM");
      // Bounded by SHUTDOWN_TIMEOUT_MS and the short bounds after it, not by the last-resort
      // timer (SHUTDOWN_TIMEOUT_MS + 5 s, exit code 1).
      expect(await w.exited).toBe(0);
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeLessThan(2000 + 4500);
      proxy.up();

      // Its lock expires, and the next worker's stalled check (as often as its lock) takes it.
      const next = await c.startWorker({ JOB_LOCK_MS: "3000" });
      await eventually(async () => (await jobRow(id)).status === "completed", 30_000);
      expect((await jobRow(id)).questions).toHaveLength(2);
      await next.stop();
      console.log(`[figures] Redis ${fault}: SIGTERM → exit 0 after ${elapsed} ms`);
    }, 60_000);
  });
});
