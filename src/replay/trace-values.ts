/**
 * Exact parsing of trace values: decimal and Azure timestamps split into whole units and 1e-7 fractions
 * (so 7-digit fractions survive), token counts, and offsets from a file's first row. Pure; no I/O.
 */

/** A decimal time split into whole units and 1e-7 fractions, so 7-digit fractions stay exact. */
export interface SplitTime {
  readonly whole: number;
  readonly fracE7: number;
}

const DECIMAL = /^(\d+)(?:\.(\d*))?$/;
const AZURE_TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

export function parseDecimal(text: string): SplitTime | null {
  const m = DECIMAL.exec(text.trim());
  if (m === null) return null;
  const whole = Number(m[1]);
  const digits = (m[2] ?? '').slice(0, 7).padEnd(7, '0');
  return { whole, fracE7: Number(digits) };
}

/** `2023-11-16 18:15:46.6805900` (UTC) as whole epoch seconds plus 1e-7 s fractions. */
export function parseAzureTimestamp(text: string): SplitTime | null {
  const m = AZURE_TS.exec(text.trim());
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (!Number.isFinite(ms)) return null;
  return { whole: ms / 1000, fracE7: Number((frac ?? '').padEnd(7, '0')) };
}

export function parseCount(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (!/^\d+(\.0*)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** Tracks the first row's time and turns later times into exact millisecond offsets. */
export class OffsetTracker {
  #base: SplitTime | null = null;
  readonly #unitMs: number;

  constructor(unitMs: number) {
    this.#unitMs = unitMs;
  }

  offsetMs(t: SplitTime): number {
    if (this.#base === null) this.#base = t;
    // Integer numerator (< 2^53 for spans below ~28 years in seconds) and one rounding in the division.
    const ticks = (t.whole - this.#base.whole) * 1e7 + (t.fracE7 - this.#base.fracE7);
    return (ticks * this.#unitMs) / 1e7;
  }
}
