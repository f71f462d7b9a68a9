import { v7 as uuidv7 } from "uuid";

/** Time-ordered UUIDs (v7): new rows land at the end of their indexes. */
export const newId = (): string => uuidv7();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A malformed id can name nothing: callers answer 404 without asking Postgres. */
export const isId = (value: string): boolean => UUID.test(value);
