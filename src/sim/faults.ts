/**
 * Fault injection settings for the simulator (crash after N tokens, stream stalls, 5xx answers) and
 * their validation. Decides whether a fault fires; the server carries it out.
 */
import { SeededRng } from '../core/rng.js';
import { SimHttpError } from './http-util.js';

export interface FaultOptions {
  /** After this many generated tokens in total, destroy every socket and stop accepting (a crash). */
  readonly crashAfterTokens?: number | null;
  /** Pause each stream for this long ... */
  readonly stallMs?: number;
  /** ... after every this many of its tokens (0 = never). */
  readonly stallEveryTokens?: number;
  /** Fraction in [0, 1] of generation requests answered 500. */
  readonly errorRate?: number;
  /** Seed of the error-rate draws. */
  readonly seed?: number;
}

export interface FaultSettings {
  readonly crashAfterTokens: number | null;
  readonly stallMs: number;
  readonly stallEveryTokens: number;
  readonly errorRate: number;
  readonly seed: number;
}

export const NO_FAULTS: FaultSettings = {
  crashAfterTokens: null,
  stallMs: 0,
  stallEveryTokens: 0,
  errorRate: 0,
  seed: 0,
};

function nonNegInt(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new SimHttpError(400, `${key} must be a non-negative integer`, key);
  }
  return v;
}

const KEYS = new Set(['crashAfterTokens', 'stallMs', 'stallEveryTokens', 'errorRate', 'seed']);

/** Merges `patch` (unknown JSON) over `base`; throws a 400 SimHttpError on bad values. */
export function mergeFaults(base: FaultSettings, patch: unknown): FaultSettings {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new SimHttpError(400, 'faults must be a JSON object');
  }
  const p = patch as Record<string, unknown>;
  for (const k of Object.keys(p)) if (!KEYS.has(k)) throw new SimHttpError(400, `unknown fault setting: ${k}`, k);
  const errorRate = p.errorRate ?? base.errorRate;
  if (typeof errorRate !== 'number' || !(errorRate >= 0 && errorRate <= 1)) {
    throw new SimHttpError(400, 'errorRate must be a number in [0, 1]', 'errorRate');
  }
  return {
    crashAfterTokens:
      p.crashAfterTokens === undefined
        ? base.crashAfterTokens
        : p.crashAfterTokens === null
          ? null
          : nonNegInt(p.crashAfterTokens, 'crashAfterTokens'),
    stallMs: p.stallMs === undefined ? base.stallMs : nonNegInt(p.stallMs, 'stallMs'),
    stallEveryTokens:
      p.stallEveryTokens === undefined ? base.stallEveryTokens : nonNegInt(p.stallEveryTokens, 'stallEveryTokens'),
    errorRate,
    seed: p.seed === undefined ? base.seed : nonNegInt(p.seed, 'seed'),
  };
}

/** Live fault state: settings plus the error-rate RNG (reseeded whenever settings change). */
export class FaultState {
  #settings: FaultSettings;
  #rng: SeededRng;

  constructor(initial: FaultOptions = {}) {
    this.#settings = mergeFaults(NO_FAULTS, initial);
    this.#rng = new SeededRng(this.#settings.seed);
  }

  get settings(): FaultSettings {
    return this.#settings;
  }

  set(patch: unknown): FaultSettings {
    this.#settings = mergeFaults(this.#settings, patch);
    this.#rng = new SeededRng(this.#settings.seed);
    return this.#settings;
  }

  /** Draws whether this generation request fails with a 500. */
  shouldFail(): boolean {
    return this.#settings.errorRate > 0 && this.#rng.next() < this.#settings.errorRate;
  }

  /** Whether a stream that just emitted its `n`-th token should stall now. */
  shouldStall(n: number): boolean {
    const every = this.#settings.stallEveryTokens;
    return every > 0 && this.#settings.stallMs > 0 && n % every === 0;
  }
}
