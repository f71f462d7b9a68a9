import type { TestProject } from "vitest/node";
import { migrate } from "@qforge/database";
import { adminQuery, databaseUrl, uniqueName } from "./services.ts";

declare module "vitest" {
  export interface ProvidedContext {
    templateDb: string;
  }
}

/**
 * Migrates one template database per run; each test file clones it (fast) instead. The name is
 * unique, so two runs on the same services do not collide.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const name = uniqueName("qforge_tpl");
  await adminQuery(`CREATE DATABASE ${name}`);
  await migrate(databaseUrl(name));
  project.provide("templateDb", name);
  return () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
