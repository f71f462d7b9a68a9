// Maps how people name a role ("Sr. Software Engineer (Backend)", "React developer", "SRE") to
// one of the curated bank's roles, or to null when it cannot tell: a wrong match would serve
// questions for another job, so unknown or ambiguous names are never guessed.
//
// How: the name is split into lower-case tokens (one pass, no backtracking regex), seniority
// and filler words are dropped, then known phrases are matched longest-first. Each phrase says
// which role it points to and how strongly: 3 names the role itself ("backend", "data
// engineer"), 2 a technology tied to it ("react", "django"), 1 a general language ("java",
// "javascript"). The strongest signals win; among those, the first segment wins (text in
// brackets or after ",", " - ", "with", "for" … qualifies the title); frontend plus backend
// means full-stack; otherwise the last signal wins, since English titles put the head noun last
// ("machine learning data scientist" is a data scientist). Words of other professions
// (designer, recruiter, sales …) make the answer null, and so does "manager" unless the role is
// product management.

export const BANK_ROLES = [
  "Backend Engineer",
  "Frontend Engineer",
  "Full-Stack Engineer",
  "Mobile Engineer",
  "Data Scientist",
  "Data Engineer",
  "DevOps Engineer",
  "Security Engineer",
  "QA Engineer",
  "Product Manager",
  "Machine Learning Engineer",
] as const;

export type BankRole = (typeof BANK_ROLES)[number];

type Tier = 1 | 2 | 3;
/** What a phrase means: a role at some strength, a word of another profession, or nothing. */
type Meaning = { role: BankRole; tier: Tier } | "block" | "noise";

const MAX_PHRASE = 4;

// Seniority, level and filler words: they say nothing about the kind of role.
const DROPPED = new Set(
  (
    "junior jr senior sr snr staff principal lead leads leader head chief director vp svp evp " +
    "avp intern interns internship trainee apprentice graduate grad entry level mid midlevel " +
    "associate assistant experienced i ii iii iv 1 2 3 4 5 l1 l2 l3 l4 l5 l6 l7 the a an and " +
    "or of remote contract contractor freelance freelancer"
  ).split(" "),
);

// Words after which the rest of the title qualifies it ("Backend engineer for ML platform").
const QUALIFIERS = new Set(["with", "for", "at", "using", "within", "via"]);

const MANAGER_WORDS = new Set(["manager", "managers", "management", "mgr"]);

// Job-title words that combine with a subject: "data" + "engineer" is a data engineer.
const TITLES = [
  "engineer",
  "engineers",
  "engineering",
  "developer",
  "developers",
  "development",
  "dev",
  "devs",
  "programmer",
  "programmers",
  "architect",
];

const PHRASES = new Map<string, Meaning>();

function define(meaning: Meaning, phrases: string[]): void {
  for (const phrase of phrases) {
    if (phrase.split(" ").length > MAX_PHRASE) throw new Error(`phrase too long: ${phrase}`);
    PHRASES.set(phrase, meaning);
  }
}

/** "data" → "data engineer", "data developer", … */
function titled(...subjects: string[]): string[] {
  return subjects.flatMap((subject) => TITLES.map((title) => `${subject} ${title}`));
}

const words = (list: string): string[] => list.split(",").map((phrase) => phrase.trim());

function role(name: BankRole, tier: Tier, phrases: string[]): void {
  define({ role: name, tier }, phrases);
}

role("Backend Engineer", 3, [
  ...words("backend, backends, back end, server side, serverside, microservices"),
  ...titled("api", "server"),
]);
role("Backend Engineer", 2, [
  ...words("node, nodejs, node.js, node js, expressjs, express.js, nestjs, nest.js, django"),
  ...words("flask, fastapi, rails, ruby on rails, laravel, symfony, php, spring boot"),
  ...words("springboot, spring framework, dotnet, asp.net, golang, go"),
]);
role("Backend Engineer", 1, words("java, python, ruby, c#, csharp"));

role("Frontend Engineer", 3, words("frontend, frontends, front end, ui, web ui, user interface"));
role("Frontend Engineer", 2, [
  ...words("react, reactjs, react.js, react js, angular, angularjs, angular.js, vue, vuejs"),
  ...words("vue.js, svelte, sveltekit, nextjs, next.js, nuxt, nuxtjs, redux, html, html5, css"),
  "css3",
]);
role("Frontend Engineer", 1, [...words("javascript, js, typescript, ts"), ...titled("web")]);

role("Full-Stack Engineer", 3, words("fullstack, full stack"));
role("Full-Stack Engineer", 2, words("mern, mern stack, mean stack, mevn, lamp stack"));

role("Mobile Engineer", 3, [
  ...words("mobile, ios, android, react native, reactnative, flutter"),
  ...titled("app"),
]);
role(
  "Mobile Engineer",
  2,
  words("swift, swiftui, objective c, objc, xamarin, jetpack compose, uikit"),
);
role("Mobile Engineer", 1, words("kotlin"));

role("Data Scientist", 3, [
  ...words("data scientist, data scientists, data science, data analyst, data analysts"),
  ...words("data analysis, data analytics, statistician, decision scientist"),
]);

role("Data Engineer", 3, [
  ...words("etl, elt, big data, data pipeline, data pipelines, data warehouse, data warehousing"),
  ...words("dwh, data integration"),
  ...titled("data", "analytics", "etl", "elt", "big data", "data platform", "data pipeline"),
  ...titled("data warehouse", "data infrastructure", "bi", "business intelligence"),
  ...titled("data analytics", "data integration", "dwh", "big data platform"),
  "data infrastructure",
  "data platform",
]);
role("Data Engineer", 2, words("spark, pyspark, hadoop, airflow, dbt, snowflake, databricks"));

role("DevOps Engineer", 3, [
  ...words("devops, dev ops, sre, sres, site reliability, infrastructure, infra, sysadmin"),
  ...words("system administrator, systems administrator, linux administrator, cloudops"),
  ...words("cloud ops, cloud operations, cloud infrastructure, release engineer"),
  ...words("release engineering, build engineer, production engineer"),
  ...titled("reliability", "platform", "cloud", "infrastructure", "infra", "cloud infrastructure"),
]);
role("DevOps Engineer", 2, [
  ...words("kubernetes, k8s, terraform, ansible, docker, jenkins, aws, azure, gcp, openshift"),
  "ci cd",
]);

role("Security Engineer", 3, [
  ...words("security, secops, devsecops, appsec, app sec, application security"),
  ...words("product security, infosec, info sec, information security, cybersecurity"),
  ...words("cyber security, cyber, penetration tester, penetration testers, penetration testing"),
  ...words("pen tester, pen testers, pen testing, pentester, pentesters, pentesting"),
  ...words("ethical hacker, ethical hacking, red team, red teamer, blue team, soc analyst"),
  ...words("security tester, security testing, threat hunter, threat intelligence"),
]);

role("QA Engineer", 3, [
  ...words("qa, qe, sdet, sdets, quality assurance, quality engineer, quality engineering"),
  ...words("software quality, quality analyst, tester, testers, test automation"),
  ...words("automation test, automation testing, automation tester, test analyst"),
  ...words("manual testing, software testing, engineer in test, developer in test"),
  ...titled("test", "testing"),
]);
role("QA Engineer", 2, words("selenium, cypress, playwright, appium"));

role("Product Manager", 3, [
  ...words("product manager, product managers, product management, product mgr"),
  ...words("product owner, product owners, product officer, pm, pms, apm, gpm, cpo"),
]);

role("Machine Learning Engineer", 3, [
  ...words("machine learning, ml, mlops, ml ops, ai ml, ml ai, deep learning, computer vision"),
  ...words("nlp, natural language processing, llmops, ml platform, ml infrastructure"),
  ...words("ai platform, ai infrastructure"),
  ...titled("ai", "llm", "genai", "ml platform", "ml infrastructure"),
]);
role("Machine Learning Engineer", 2, words("pytorch, tensorflow, keras, scikit learn"));

// Other professions: a title containing one of these is not one of our roles, whatever else it
// says ("UI designer", "Technical recruiter (Backend)", "Sales engineer").
define("block", [
  ...words("design, designer, designers, recruiter, recruiters, recruiting, recruitment"),
  ...words("talent acquisition, hr, human resources, marketing, marketer, sales, salesperson"),
  ...words("go to market, customer success, support, advocate, evangelist, developer relations"),
  ...words("devrel, accountant, accounting, lawyer, attorney, legal, guard, guards, physical"),
  ...words("writer, trainer, tutor, teacher, instructor, nurse, operator, salesforce, civil"),
  ...words("mechanical, electrical, chemical, structural, biomedical, aerospace"),
]);
define("noise", words("full time, part time"));

// Titles that are one bare word once seniority is dropped ("Head of Product", "Test Lead").
const WHOLE = new Map<string, BankRole>([
  ["product", "Product Manager"],
  ["test", "QA Engineer"],
  ["testing", "QA Engineer"],
]);

type Token = { text: string; segment: number };

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const SEGMENT_BREAKS = new Set([",", ";", ":", "|", "–", "—"]);
const OPENING = new Set(["(", "[", "{"]);
const CLOSING = new Set([")", "]", "}"]);

function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\r";
}

/**
 * Lower-case tokens with the segment each belongs to, in one pass over the text. Segments are
 * numbered in order of appearance; text in brackets is a segment of its own, and the text after
 * the closing bracket continues the segment before it.
 */
function tokenize(text: string): Token[] {
  const chars = Array.from(text.normalize("NFKC").toLowerCase());
  const tokens: Token[] = [];
  const outer: number[] = [];
  let segments = 1;
  let segment = 0;
  let current = "";
  const flush = (): void => {
    const word = clean(current);
    current = "";
    if (word === "") return;
    if (QUALIFIERS.has(word)) segment = segments++;
    else if (!DROPPED.has(word)) tokens.push({ text: word, segment });
  };
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (LETTER_OR_DIGIT.test(ch) || ch === "+" || ch === "#" || ch === ".") {
      current += ch;
      continue;
    }
    flush();
    if (OPENING.has(ch)) {
      outer.push(segment);
      segment = segments++;
    } else if (CLOSING.has(ch)) {
      segment = outer.pop() ?? segments++;
    } else if (
      SEGMENT_BREAKS.has(ch) ||
      // A dash joins words ("back-end") unless it stands apart ("Backend - Payments").
      (ch === "-" && (i === 0 || isSpace(chars[i - 1]) || isSpace(chars[i + 1])))
    ) {
      segment = segments++;
    }
  }
  flush();
  return tokens;
}

/** Trims the dots of "Sr." and "e.g." but keeps ".NET", "node.js" and "c++". */
function clean(word: string): string {
  if (word === ".net") return "dotnet";
  let start = 0;
  let end = word.length;
  while (start < end && word[start] === ".") start++;
  while (end > start && word[end - 1] === ".") end--;
  const trimmed = word.slice(start, end);
  for (const ch of trimmed) if (LETTER_OR_DIGIT.test(ch)) return trimmed;
  return "";
}

type Signal = { role: BankRole; tier: Tier; segment: number };

/**
 * The canonical bank role for a loosely named role, or null when it cannot be matched with
 * confidence. Deterministic and linear in the length of the input.
 */
export function matchBankRole(roleName: string): BankRole | null {
  const tokens = tokenize(roleName);
  const signals: Signal[] = [];
  let managerWord = false;
  for (let i = 0; i < tokens.length;) {
    let matched = 0;
    for (let n = Math.min(MAX_PHRASE, tokens.length - i); n >= 1 && matched === 0; n--) {
      const span = tokens.slice(i, i + n);
      if (span.some((token) => token.segment !== span[0]?.segment)) continue;
      const meaning = PHRASES.get(span.map((token) => token.text).join(" "));
      if (meaning === undefined) continue;
      if (meaning === "block") return null;
      if (meaning !== "noise") signals.push({ ...meaning, segment: span[0]?.segment ?? 0 });
      matched = n;
    }
    if (matched === 0) {
      if (MANAGER_WORDS.has(tokens[i]?.text ?? "")) managerWord = true;
      matched = 1;
    }
    i += matched;
  }

  const chosen = signals.length > 0 ? strongest(signals) : wholeTitle(tokens);
  // Managers of engineering, QA, security … are asked other questions than the engineers are.
  if (chosen !== null && managerWord && chosen !== "Product Manager") return null;
  return chosen;
}

function strongest(signals: Signal[]): BankRole {
  const tier = Math.max(...signals.map((signal) => signal.tier));
  const atTier = signals.filter((signal) => signal.tier === tier);
  const segment = Math.min(...atTier.map((signal) => signal.segment));
  const head = atTier.filter((signal) => signal.segment === segment);
  const roles = new Set(head.map((signal) => signal.role));
  const webOnly = [...roles].every(
    (name) =>
      name === "Backend Engineer" || name === "Frontend Engineer" || name === "Full-Stack Engineer",
  );
  const bothEnds = roles.has("Backend Engineer") && roles.has("Frontend Engineer");
  if (webOnly && (bothEnds || roles.has("Full-Stack Engineer"))) return "Full-Stack Engineer";
  return (head[head.length - 1] as Signal).role;
}

function wholeTitle(tokens: Token[]): BankRole | null {
  return WHOLE.get(tokens.map((token) => token.text).join(" ")) ?? null;
}
