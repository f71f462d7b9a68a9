import dotenv from "dotenv";
import { createDatabase } from "../client.ts";
import { seedBank } from "../seed.ts";

dotenv.config({ quiet: true });
const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write("Invalid configuration: DATABASE_URL: is required\n");
  process.exit(1);
}
const db = createDatabase(url, { poolSize: 2 });
try {
  const { total, added } = await seedBank(db);
  process.stdout.write(`question bank: ${added} added, ${total - added} already present\n`);
} catch (error) {
  process.stderr.write(`seed failed: ${(error as Error).message.split("\n")[0]}\n`);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
}
