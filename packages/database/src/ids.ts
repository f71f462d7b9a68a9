import { randomFillSync } from "node:crypto";
import { v7 as uuidv7 } from "uuid";

// uuid draws 16 random bytes per id with its own `crypto.getRandomValues` call, and each such
// call costs a syscall (OpenSSL checks its pid); a job writes several ids. The bytes come from a
// pool refilled 4 KiB at a time instead.
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let offset = POOL_BYTES;

function randomBytes16(): Uint8Array {
  if (offset + 16 > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += 16;
  // uuid copies the bytes it needs into the id; the slice is not kept.
  return pool.subarray(offset - 16, offset);
}

/** Time-ordered UUIDs (v7): new rows land at the end of their indexes. */
export const newId = (): string => uuidv7({ random: randomBytes16() });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A malformed id can name nothing: callers answer 404 without asking Postgres. */
export const isId = (value: string): boolean => UUID.test(value);
