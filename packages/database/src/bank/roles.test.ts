import { describe, expect, test } from "vitest";
import { BANK_ROLES, matchBankRole } from "./roles.ts";

const BE = "Backend Engineer";
const FE = "Frontend Engineer";
const FS = "Full-Stack Engineer";
const MO = "Mobile Engineer";
const DS = "Data Scientist";
const DE = "Data Engineer";
const OPS = "DevOps Engineer";
const SEC = "Security Engineer";
const QA = "QA Engineer";
const PM = "Product Manager";
const ML = "Machine Learning Engineer";

const cases: [string, string | null][] = [
  // Backend
  ["Backend Engineer", BE],
  ["backend", BE],
  ["Senior backend developer", BE],
  ["Back-end Dev", BE],
  ["Sr. Software Engineer (Backend)", BE],
  ["Node.js backend engineer", BE],
  ["Java developer", BE],
  ["BACKEND ENGINEER II", BE],
  ["Staff Software Engineer, Back End", BE],
  ["Python/Django developer", BE],
  ["Golang engineer", BE],
  [".NET developer", BE],
  ["Ruby on Rails developer", BE],
  ["Server-side engineer", BE],
  ["Backend engineer for ML platform", BE],
  // Frontend
  ["React developer", FE],
  ["front end", FE],
  ["UI engineer", FE],
  ["Frontend Engineer", FE],
  ["Angular Developer (TypeScript)", FE],
  ["JavaScript developer", FE],
  ["Web developer", FE],
  ["Lead UI/UX developer", FE],
  // Full-stack
  ["full stack", FS],
  ["fullstack", FS],
  ["Full-Stack Engineer", FS],
  ["Full Stack Java Developer", FS],
  ["Frontend/Backend developer", FS],
  ["Frontend (React) / Backend (Node) engineer", FS],
  ["React and Node.js developer", FS],
  ["MERN stack developer", FS],
  ["Full time backend developer", BE],
  // Mobile
  ["iOS developer", MO],
  ["Android engineer", MO],
  ["React Native", MO],
  ["React Native developer (iOS & Android)", MO],
  ["Flutter developer", MO],
  ["Swift developer", MO],
  ["Mobile Engineer", MO],
  ["Java developer (Android)", MO],
  // DevOps / SRE / platform
  ["SRE", OPS],
  ["site reliability", OPS],
  ["Site Reliability Engineer III", OPS],
  ["platform engineer", OPS],
  ["devops", OPS],
  ["DevOps Engineer", OPS],
  ["cloud engineer", OPS],
  ["AWS Cloud Architect", OPS],
  ["infrastructure engineer", OPS],
  ["Kubernetes engineer", OPS],
  ["Head of Infrastructure", OPS],
  // Machine learning
  ["ML engineer", ML],
  ["machine learning", ML],
  ["MLOps", ML],
  ["Machine Learning Engineer", ML],
  ["AI/ML Engineer", ML],
  ["Senior AI engineer", ML],
  ["Software Engineer, Machine Learning", ML],
  ["ML platform engineer", ML],
  ["Computer vision engineer", ML],
  // Data
  ["data analyst", DS],
  ["Data Scientist", DS],
  ["Senior Data Scientist (Machine Learning)", DS],
  ["Machine learning data scientist", DS],
  ["analytics engineer", DE],
  ["ETL developer", DE],
  ["Data Engineer", DE],
  ["Big data engineer", DE],
  ["Big data platform engineer", DE],
  ["Data analytics engineer", DE],
  ["Python data engineer", DE],
  ["Spark developer", DE],
  ["BI developer", DE],
  // QA
  ["QA", QA],
  ["SDET", QA],
  ["test automation", QA],
  ["quality assurance", QA],
  ["QA Engineer", QA],
  ["Software Engineer in Test", QA],
  ["Manual tester", QA],
  ["Test Lead", QA],
  ["Mobile QA engineer", QA],
  ["Selenium automation engineer", QA],
  // Product
  ["PM", PM],
  ["product owner", PM],
  ["product manager", PM],
  ["Product Manager", PM],
  ["Associate Product Manager", PM],
  ["Senior Technical Product Manager", PM],
  ["Head of Product", PM],
  ["Product Lead", PM],
  ["AI Product Manager", PM],
  // Security
  ["appsec", SEC],
  ["security", SEC],
  ["penetration tester", SEC],
  ["infosec", SEC],
  ["Security Engineer", SEC],
  ["Cloud security engineer", SEC],
  ["Application Security Engineer", SEC],
  ["Cybersecurity analyst", SEC],
  ["DevSecOps engineer", SEC],
  ["Security tester", SEC],
  ["Pen-tester", SEC],
  // Not ours, or not enough to tell: never guess
  ["Chef", null],
  ["Accountant", null],
  ["Marketing Manager", null],
  ["Sales", null],
  ["Sales engineer", null],
  ["Software Engineer", null],
  ["Developer", null],
  ["Senior Engineer", null],
  ["Engineering Manager", null],
  ["QA Manager", null],
  ["Project Manager", null],
  ["Product Designer", null],
  ["UI/UX designer", null],
  ["Technical recruiter (Backend)", null],
  ["Data", null],
  ["Data entry clerk", null],
  ["Business analyst", null],
  ["Research Scientist", null],
  ["Product engineer", null],
  ["Security guard", null],
  ["Civil infrastructure engineer", null],
  ["Go-to-market lead", null],
  ["Developer advocate", null],
  ["Mechanical engineer", null],
  ["", null],
  ["   ", null],
  ["(((", null],
  ["!!!???", null],
];

describe("matchBankRole", () => {
  test.each(cases)("%j → %j", (role, expected) => {
    expect(matchBankRole(role)).toBe(expected);
  });

  test("every canonical role matches itself, in any case and with seniority", () => {
    for (const role of BANK_ROLES) {
      expect(matchBankRole(role)).toBe(role);
      expect(matchBankRole(role.toUpperCase())).toBe(role);
      expect(matchBankRole(`Senior ${role.toLowerCase()} II`)).toBe(role);
    }
  });

  test("seniority and punctuation do not change the answer", () => {
    const base = matchBankRole("backend developer");
    for (const variant of [
      "Junior Backend Developer",
      "Principal backend developer",
      "Lead - backend developer",
      "Intern, Backend Developer",
      "Staff Backend Developer L5",
      "backend   developer!!",
    ]) {
      expect(matchBankRole(variant)).toBe(base);
    }
  });

  test("long and adversarial inputs are answered without blowing up", () => {
    const inputs = [
      "a".repeat(200),
      "-".repeat(200),
      "( ".repeat(100),
      ". ".repeat(100),
      "backend ".repeat(25),
      "data ".repeat(40),
      "full ".repeat(40) + "stack",
      "x".repeat(100_000) + " backend",
    ];
    const results = inputs.map((input) => matchBankRole(input));
    expect(results).toEqual([null, null, null, null, BE, null, FS, BE]);
  });

  test("is deterministic", () => {
    for (const [role] of cases) expect(matchBankRole(role)).toBe(matchBankRole(role));
  });
});
