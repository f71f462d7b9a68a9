import type { Measure } from "../lib/measure.ts";
import { accept } from "./accept.ts";
import { memory } from "./memory.ts";
import { overhead } from "./overhead.ts";
import { pipeline } from "./pipeline.ts";
import { ratelimit } from "./ratelimit.ts";
import { reads } from "./reads.ts";
import { scale } from "./scale.ts";

/** In the order they run (and are reported). */
export const MEASURES: Measure[] = [pipeline, overhead, accept, reads, ratelimit, scale, memory];
