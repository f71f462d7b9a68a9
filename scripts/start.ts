// `pnpm start`: the whole system in one command (see ./start/system.ts, which does the work).
//
// This launcher runs it in a process group of its own and relays signals. A Ctrl-C reaches every
// process of the terminal's foreground group at once; Postgres and Redis, children of ours, would
// then stop under the API and workers while they drain. Out of that group, they get one signal,
// from us, in order. (package.json runs this file as `node --import tsx`, not through the `tsx`
// command: that one relays a Ctrl-C its child has already received a second time, now and then,
// which would read as "exit at once".)
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const system = fileURLToPath(new URL("./start/system.ts", import.meta.url));
// process.execArgv carries tsx's loader, so the child runs TypeScript as this process does.
const child = spawn(process.execPath, [...process.execArgv, system, ...process.argv.slice(2)], {
  stdio: ["ignore", "inherit", "inherit", "ipc"],
  detached: true,
});

let signals = 0;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    signals += 1;
    child.kill(signal);
    // The second one means "now": if the child has not gone within a few seconds, end its group.
    if (signals === 2) {
      setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5_000).unref();
    }
  });
}

child.on("exit", (code, signal) => {
  process.exit(code ?? (signal === "SIGINT" ? 130 : 1));
});
