// Preloaded into the processes the bench spawns (`node --import tsx --import probe.ts …`): answers
// a memory question over the IPC channel, after a full GC when `--expose-gc` is on, so heap
// figures compare live data rather than garbage not yet collected. Changes nothing else.
const send = process.send?.bind(process);
if (send) {
  process.on("message", (message) => {
    if (message !== "bench:memory") return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const m = process.memoryUsage();
    send({
      type: "bench:memory",
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
    });
  });
  // The channel must not keep the process alive on its own.
  process.channel?.unref();
}
