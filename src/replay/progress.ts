/**
 * Progress display for long runs on a writable stream (stderr): a redrawn one-line bar on a TTY, a plain
 * line at most every `intervalMs` otherwise. Display only: it never decides anything.
 */

export interface ProgressCounts {
  readonly sent: number;
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly inFlight: number;
  readonly elapsedMs: number;
}

export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface Progress {
  update(counts: ProgressCounts): void;
  finish(counts: ProgressCounts): void;
}

const WIDTH = 30;

export function formatProgress(c: ProgressCounts): string {
  const frac = c.total > 0 ? Math.min(1, c.done / c.total) : 0;
  const filled = Math.round(frac * WIDTH);
  const bar = '#'.repeat(filled) + '-'.repeat(WIDTH - filled);
  return (
    `[${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ` +
    `sent ${c.sent}/${c.total} done ${c.done} failed ${c.failed} in-flight ${c.inFlight} ` +
    `${(c.elapsedMs / 1000).toFixed(1)}s`
  );
}

export function createProgress(sink: ProgressSink, intervalMs = 5000): Progress {
  const tty = sink.isTTY === true;
  let lastLineMs = -Infinity;
  return {
    update(counts) {
      if (tty) {
        sink.write(`\r${formatProgress(counts)}`);
      } else if (counts.elapsedMs - lastLineMs >= intervalMs) {
        lastLineMs = counts.elapsedMs;
        sink.write(`${formatProgress(counts)}\n`);
      }
    },
    finish(counts) {
      sink.write(tty ? `\r${formatProgress(counts)}\n` : `${formatProgress(counts)}\n`);
    },
  };
}
