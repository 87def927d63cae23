/**
 * Load-adaptive policy. A `LoadSmoother` turns the caller's instantaneous downstream pressure
 * (queue depth and freeness summarized into [0, 1]) into an adaptation level with asymmetric
 * exponential smoothing and hysteresis; `adaptPolicy` maps that level onto a category's threshold
 * and TTL, never beyond `thresholdDelta`, `minSimilarity` and `ttlFactor`. Pure: time is passed in.
 */
import type { CategoryConfig, EffectivePolicy, LoadSettings } from './types.js';

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** What the scheduler knows about downstream load, summarized by the caller. */
export interface LoadSignal {
  /** Requests waiting in the gateway queue for this model. */
  readonly queueDepth: number;
  /** Queue depth considered fully saturated (e.g. the queue's capacity share). */
  readonly queueCapacity: number;
  /** Best instance freeness in [0, 1] (1 = idle, 0 = no headroom). */
  readonly freeness: number;
}

/** Pressure in [0, 1]: the worse of queue fill and lack of headroom. */
export function pressureFrom(signal: LoadSignal): number {
  const queue = signal.queueCapacity > 0 ? signal.queueDepth / signal.queueCapacity : 0;
  return Math.max(clamp01(queue), clamp01(1 - signal.freeness));
}

/**
 * Smooths pressure samples into an adaptation level. The smoothed pressure rises with
 * `riseHalfLifeMs` and falls with `fallHalfLifeMs`; adaptation engages when it reaches `engageAt`
 * and disengages only at `releaseAt` (< engageAt), so it does not flap around one threshold. While
 * engaged, the level grows linearly from 0 at `releaseAt` to 1 at `fullAt`.
 */
export class LoadSmoother {
  readonly #settings: LoadSettings;
  #smoothed: number;
  #engaged: boolean;
  #lastMs: number | null;

  constructor(settings: LoadSettings) {
    this.#settings = settings;
    this.#smoothed = 0;
    this.#engaged = false;
    this.#lastMs = null;
  }

  /** Feeds one pressure sample taken at `nowMs`; returns the adaptation level in [0, 1]. */
  observe(pressure: number, nowMs: number): number {
    const p = clamp01(pressure);
    const s = this.#settings;
    if (this.#lastMs !== null) {
      const dtMs = Math.max(0, nowMs - this.#lastMs);
      const halfLifeMs = p > this.#smoothed ? s.riseHalfLifeMs : s.fallHalfLifeMs;
      const alpha = 1 - Math.pow(2, -dtMs / halfLifeMs);
      this.#smoothed += alpha * (p - this.#smoothed);
    }
    this.#lastMs = this.#lastMs === null ? nowMs : Math.max(this.#lastMs, nowMs);
    if (!this.#engaged && this.#smoothed >= s.engageAt) this.#engaged = true;
    else if (this.#engaged && this.#smoothed <= s.releaseAt) this.#engaged = false;
    return this.level();
  }

  /** The current adaptation level in [0, 1] without a new sample. */
  level(): number {
    if (!this.#engaged) return 0;
    const s = this.#settings;
    return clamp01((this.#smoothed - s.releaseAt) / (s.fullAt - s.releaseAt));
  }

  /** The smoothed pressure (for metrics). */
  smoothedPressure(): number {
    return this.#smoothed;
  }

  isEngaged(): boolean {
    return this.#engaged;
  }
}

export const createLoadSmoother = (settings: LoadSettings): LoadSmoother => new LoadSmoother(settings);

/** TTL multiplier at adaptation level `load` (1 when adaptation is off). */
export function ttlStretch(category: CategoryConfig, load: number): number {
  if (!category.adaptive.enabled) return 1;
  return 1 + (Math.max(1, category.adaptive.ttlFactor) - 1) * clamp01(load);
}

/** Threshold and TTL of `category` at adaptation level `load` in [0, 1]. */
export function adaptPolicy(name: string, category: CategoryConfig, load: number): EffectivePolicy {
  const a = category.adaptive;
  const level = a.enabled ? clamp01(load) : 0;
  const lowered = category.similarity - Math.max(0, a.thresholdDelta) * level;
  // never below the floor, and never above the configured threshold if the floor is set higher
  const similarity = Math.min(category.similarity, Math.max(lowered, a.minSimilarity));
  const ttlSeconds = category.ttlSeconds * ttlStretch(category, level);
  return { category: name, similarity, ttlSeconds, adaptation: level };
}
