// Secrets never appear in a log line. Every output a test file produces — each LogCapture, each
// spawned process — is registered here with the secrets it was configured with, and
// test/helpers/secret-scan.ts (a vitest setup file) scans all of it after each file.

interface Output {
  name: string;
  text: () => string;
}

const outputs: Output[] = [];
const secrets = new Set<string>();

/** Shorter values are not treated as secrets: they would match by chance (the logger agrees). */
const MIN_SECRET_LENGTH = 6;

/** Registers an output to scan after the file: its text is read at scan time. */
export function watchOutput(name: string, text: () => string): void {
  outputs.push({ name, text });
}

export function addSecrets(values: Iterable<string | undefined | null>): void {
  for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH) secrets.add(v);
}

/**
 * The secrets in an environment, by the names qforge gives them: provider keys and tokens,
 * client keys, the webhook secret, passwords, and the passwords inside `*_URL` values.
 * Comma-separated lists count item by item. Generic on purpose: a variable added later with one
 * of these shapes (`…_KEY`, `…_TOKENS`, `…_SECRET`, `…_PASSWORD`) is covered without an edit.
 */
export function secretsOfEnv(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (/(^|_)(API_KEYS?|KEYS?|TOKENS?|SECRET|PASSWORD)$/.test(name)) {
      out.push(...value.split(",").map((s) => s.trim()));
    } else if (/_URL$/.test(name)) {
      try {
        const password = decodeURIComponent(new URL(value).password);
        if (password) out.push(password);
      } catch {
        // not a URL
      }
    }
  }
  return out.filter((s) => s.length >= MIN_SECRET_LENGTH);
}

export interface Leak {
  output: string;
  /** The secret, masked: the report must not leak it either. */
  secret: string;
  line: string;
}

const mask = (s: string) => `${s.slice(0, 3)}…(${s.length} chars)`;

/** Every line of `texts` holding one of `values`, with the secret masked in the report. */
export function findLeaks(
  texts: readonly { name: string; text: string }[],
  values: Iterable<string>,
): Leak[] {
  const list = [...values];
  const leaks: Leak[] = [];
  for (const { name, text } of texts) {
    for (const line of text.split("\n")) {
      for (const s of list) {
        if (line.includes(s)) {
          leaks.push({ output: name, secret: mask(s), line: line.split(s).join(mask(s)) });
        }
      }
    }
  }
  return leaks;
}

/** What this file registered so far (figures for reports). */
export function scanned(): { outputs: number; secrets: number; lines: number } {
  const lines = outputs.reduce((n, o) => n + o.text().split("\n").length, 0);
  return { outputs: outputs.length, secrets: secrets.size, lines };
}

/** Throws, naming the output and the line (secret masked), if any secret was printed. */
export function assertNoSecretsLogged(): void {
  const leaks = findLeaks(
    outputs.map((o) => ({ name: o.name, text: o.text() })),
    secrets,
  );
  if (leaks.length > 0) {
    throw new Error(
      `${leaks.length} log line(s) hold a secret:\n` +
        leaks
          .slice(0, 20)
          .map((l) => `  [${l.output}] ${l.secret}: ${l.line.slice(0, 300)}`)
          .join("\n"),
    );
  }
}

/**
 * A Standard Webhooks master secret for a test, built from a readable label at run time, so no
 * secret-looking literal is committed (the bytes are the label, padded).
 */
export function testWebhookSecret(label: string): string {
  return `whsec_${Buffer.from(label.padEnd(24, "-")).toString("base64")}`;
}
