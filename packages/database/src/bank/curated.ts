// The curated question bank shared by every tenant (see `pnpm db:seed`): one file per role under
// roles/, keyed here by the canonical role names that `matchBankRole` returns.
// Each entry: [category, question, key points a good answer covers].

import { backend } from "./roles/backend.ts";
import { dataEngineer } from "./roles/data-engineer.ts";
import { dataScientist } from "./roles/data-scientist.ts";
import { devops } from "./roles/devops.ts";
import { frontend } from "./roles/frontend.ts";
import { fullStack } from "./roles/full-stack.ts";
import { mlEngineer } from "./roles/ml-engineer.ts";
import { mobile } from "./roles/mobile.ts";
import { productManager } from "./roles/product-manager.ts";
import { qa } from "./roles/qa.ts";
import { security } from "./roles/security.ts";

export type BankEntry = [category: string, question: string, keyPoints: string[]];
export type RoleBank = Record<"easy" | "medium" | "hard", BankEntry[]>;

export const CURATED_BANK: Record<string, RoleBank> = {
  "Backend Engineer": backend,
  "Frontend Engineer": frontend,
  "Full-Stack Engineer": fullStack,
  "Mobile Engineer": mobile,
  "Data Scientist": dataScientist,
  "Data Engineer": dataEngineer,
  "DevOps Engineer": devops,
  "Security Engineer": security,
  "QA Engineer": qa,
  "Product Manager": productManager,
  "Machine Learning Engineer": mlEngineer,
};
