/**
 * Prompt token ids for simulated requests, sized to the trace and clamped to the model's context.
 * Requests without a session get distinct pseudo-random prompts (no false prefix sharing); turn k+1 of a
 * session is turn k's prompt + turn k's response + new tokens, so prefix caching matters as in production.
 * Responses are precomputed with the engine's own deterministic generator (greedy, ignore_eos). No I/O.
 */
import {
  chooseToken,
  contextHashOf,
  pushContextHash,
  SPACED_WORD_COUNT,
  spacedWordTokenId,
} from '../../core/engine/index.js';

export interface SizedRequest {
  readonly index: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly sessionId?: string;
}

export interface RequestShape {
  /** Prompt length after clamping to the context limit. */
  readonly promptTokens: number;
  /** Output length after clamping: prompt + output <= maxModelLen. */
  readonly outputTokens: number;
  /** True when the trace lengths had to be cut to fit. */
  readonly clamped: boolean;
}

function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Clamps trace lengths to a context of `maxModelLen` tokens (at least one prompt and one output token). */
export function shapeOf(promptTokens: number, outputTokens: number, maxModelLen: number): RequestShape {
  const p = Math.max(1, Math.min(Math.round(promptTokens), maxModelLen - 1));
  const o = Math.max(1, Math.min(Math.round(outputTokens), maxModelLen - p));
  return {
    promptTokens: p,
    outputTokens: o,
    clamped: p !== Math.round(promptTokens) || o !== Math.round(outputTokens),
  };
}

/** Appends `n` distinct pseudo-random word tokens for request `index`. */
function appendDistinct(out: number[], n: number, index: number, seed: number): void {
  const base = fmix32((seed * 0x9e3779b1) ^ fmix32(index + 0x632be5ab));
  for (let i = 0; i < n; i++) out.push(spacedWordTokenId(fmix32(base + i * 0x27d4eb2f) % SPACED_WORD_COUNT));
}

/** The tokens the engine generates after `prompt` (greedy, ignore_eos), as the simulated model would. */
export function responseIds(prompt: readonly number[], outputTokens: number, engineSeed: number): number[] {
  const out: number[] = [];
  let h = contextHashOf(engineSeed, prompt);
  for (let i = 0; i < outputTokens; i++) {
    const t = chooseToken(h, null).tokenId;
    out.push(t);
    h = pushContextHash(h, t);
  }
  return out;
}

export class PromptBook {
  readonly #shapes: readonly RequestShape[];
  readonly #seed: number;
  /** Session requests only: their prompt ids, built in trace order. */
  readonly #sessionPrompts = new Map<number, number[]>();

  /** `requests` in trace (arrival) order; `shapes[i]` belongs to `requests[i]`. */
  constructor(requests: readonly SizedRequest[], shapes: readonly RequestShape[], seed: number, engineSeed: number) {
    this.#shapes = shapes;
    this.#seed = seed;
    const last = new Map<string, number[]>();
    for (const r of requests) {
      if (r.sessionId === undefined || r.sessionId === '') continue;
      const shape = shapes[r.index] as RequestShape;
      const context = last.get(r.sessionId);
      let prompt: number[];
      if (context !== undefined && context.length < shape.promptTokens) {
        prompt = context.slice();
        appendDistinct(prompt, shape.promptTokens - context.length, r.index, seed);
      } else {
        prompt = [];
        appendDistinct(prompt, shape.promptTokens, r.index, seed);
      }
      this.#sessionPrompts.set(r.index, prompt);
      last.set(r.sessionId, prompt.concat(responseIds(prompt, shape.outputTokens, engineSeed)));
    }
  }

  /** The prompt ids of request `index` (a fresh array the caller may keep). */
  promptIds(index: number): number[] {
    const session = this.#sessionPrompts.get(index);
    if (session !== undefined) return session.slice();
    const out: number[] = [];
    appendDistinct(out, (this.#shapes[index] as RequestShape).promptTokens, index, this.#seed);
    return out;
  }
}
