import path from "node:path";

/** Where a command reads and writes; main() passes the process's own streams. */
export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  /** A path the user typed, relative to where they typed it. */
  resolve(file: string): string;
}

export function processIo(): Io {
  // `pnpm qforge` runs in the repository root; pnpm keeps the user's directory in INIT_CWD.
  const base = process.env.INIT_CWD ?? process.cwd();
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    out: (line) => void process.stdout.write(line + "\n"),
    err: (line) => void process.stderr.write(line + "\n"),
    resolve: (file) => path.resolve(base, file),
  };
}
