// Showing a batch's progress on stderr (stdout carries only results, so it can be piped): a live
// bar on a terminal, one line per change otherwise (CI logs, files, tests).
import cliProgress from "cli-progress";
import type { Batch } from "./follow.ts";

export interface ProgressView {
  update(batch: Batch): void;
  stop(): void;
}

const ended = (b: Batch) => b.counts.completed + b.counts.failed + b.counts.cancelled;

export function progressLine(label: string, b: Batch): string {
  const c = b.counts;
  return (
    `${label} ${b.status}: ${ended(b)}/${c.total} jobs ended` +
    ` (completed ${c.completed}, failed ${c.failed}, cancelled ${c.cancelled}, active ${c.active}, queued ${c.queued})`
  );
}

export function createProgressView(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressView {
  if (!stream.isTTY) {
    let previous = "";
    return {
      update(batch) {
        const line = progressLine(label, batch);
        if (line !== previous) stream.write(line + "\n");
        previous = line;
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        `${label} [{bar}] {percentage}% | {value}/{total} jobs | ` +
        "completed {completed} failed {failed} cancelled {cancelled} | {state}",
      barsize: 30,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(batch) {
      const payload = {
        completed: batch.counts.completed,
        failed: batch.counts.failed,
        cancelled: batch.counts.cancelled,
        state: batch.status,
      };
      if (!started) {
        bar.start(batch.counts.total, ended(batch), payload);
        started = true;
      } else {
        bar.setTotal(batch.counts.total);
        bar.update(ended(batch), payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** The one-line outcome of a batch that ended. */
export function summaryLine(b: Batch): string {
  const c = b.counts;
  return `batch ${b.id} ${b.status}: ${c.total} jobs, ${c.completed} completed, ${c.failed} failed, ${c.cancelled} cancelled`;
}
