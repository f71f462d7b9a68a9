import { migrate } from "@qforge/database";
import { adminQuery, databaseUrl, TEMPLATE_DB } from "./services.ts";

/** Migrates one template database per run; each test file clones it (fast) instead. */
export default async function setup(): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${TEMPLATE_DB}`);
  await migrate(databaseUrl(TEMPLATE_DB));
}
