// Starts the fake provider on its own and prints `{"url": "..."}` as one line:
//   tsx test/fake-provider/main.ts [port] [--rpm N] [--no-record]
// or FAKE_PROVIDER_PORT / FAKE_PROVIDER_HOST / FAKE_RPM / FAKE_RECORD_CALLS=0.
// --rpm: requests per minute per API key (429 with retry-after past it); --no-record: do not keep
// every call in memory (long runs; GET /__control/stats still counts them).
import { parseArgs } from "node:util";
import { startFakeProvider } from "./server.ts";

function fail(message: string): never {
  console.error(`fake-provider: ${message}`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { rpm: { type: "string" }, "no-record": { type: "boolean" } },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
}
const args = parse();

const rawPort = args.positionals[0] ?? process.env.FAKE_PROVIDER_PORT ?? "0";
if (!/^\d+$/.test(rawPort) || Number(rawPort) > 65535) {
  fail(`invalid port ${JSON.stringify(rawPort)}`);
}
const rawRpm = args.values.rpm ?? process.env.FAKE_RPM ?? "0";
if (!/^\d+$/.test(rawRpm)) fail(`invalid rpm ${JSON.stringify(rawRpm)}`);
const record = !(args.values["no-record"] ?? false) && process.env.FAKE_RECORD_CALLS !== "0";

const fake = await startFakeProvider({
  port: Number(rawPort),
  host: process.env.FAKE_PROVIDER_HOST ?? "127.0.0.1",
  rpm: Number(rawRpm),
  recordCalls: record,
});
console.log(JSON.stringify({ url: fake.url }));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
