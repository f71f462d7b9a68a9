// Starts the fake provider on its own: `tsx test/fake-provider/main.ts [port]`
// (or FAKE_PROVIDER_PORT / FAKE_PROVIDER_HOST) and prints `{"url": "..."}` as one line.
import { startFakeProvider } from "./server.ts";

const rawPort = process.argv[2] ?? process.env.FAKE_PROVIDER_PORT ?? "0";
if (!/^\d+$/.test(rawPort) || Number(rawPort) > 65535) {
  console.error(`fake-provider: invalid port ${JSON.stringify(rawPort)}`);
  process.exit(2);
}
const fake = await startFakeProvider({
  port: Number(rawPort),
  host: process.env.FAKE_PROVIDER_HOST ?? "127.0.0.1",
});
console.log(JSON.stringify({ url: fake.url }));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
