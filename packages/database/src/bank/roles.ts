import { normalizeText } from "@qforge/schemas";
import { CURATED_BANK } from "./curated.ts";

/** The bank's own role names. */
export const BANK_ROLES: readonly string[] = Object.keys(CURATED_BANK);

const SENIORITY = new Set(["junior", "senior", "sr", "jr", "staff", "principal", "lead", "intern"]);
const GENERIC = new Set(["engineer", "developer", "dev", "programmer", "specialist"]);

const core = (role: string) =>
  normalizeText(role)
    .split(" ")
    .filter((w) => w && !SENIORITY.has(w) && !GENERIC.has(w))
    .join(" ");

const BY_CORE = new Map(BANK_ROLES.map((r) => [core(r), r]));

/** The bank role a loosely named role means ("senior backend developer" → Backend Engineer). */
export function matchBankRole(role: string): string | null {
  return BY_CORE.get(core(role)) ?? null;
}
