/** Small timing helpers for end-to-end tests: bounded polling, rounding, preset prefill estimates. */
import { performance } from 'node:perf_hooks';
import type { EnginePreset } from '../../../src/core/engine/presets.js';

/** Polls `ok` every 5 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** The simulator's step time for prefilling `tokens` in one step (the recompute of a continuation). */
export function prefillMs(preset: EnginePreset, tokens: number): number {
  const t = preset.stepTime;
  return t.aMs + t.bMsPerPrefillToken * tokens + t.cMsPerSquaredChunkToken * tokens * tokens + t.eMsPerDecodeSeq;
}

export interface SimCounters {
  readonly running: number;
  readonly promptTokens: number;
  readonly generationTokens: number;
  readonly prefixCacheHitsTokens: number;
}

/** Scrapes a simulator's (or vLLM's) /metrics for the engine counters the tests report. */
export async function simCounters(simUrl: string): Promise<SimCounters> {
  const text = await (await fetch(`${simUrl}/metrics`)).text();
  const value = (name: string): number => {
    const m = new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text);
    if (m?.[1] === undefined) throw new Error(`${name} missing from ${simUrl}/metrics`);
    return Number(m[1]);
  };
  return {
    running: value('vllm:num_requests_running'),
    promptTokens: value('vllm:prompt_tokens_total'),
    generationTokens: value('vllm:generation_tokens_total'),
    prefixCacheHitsTokens: value('vllm:prefix_cache_hits_total'),
  };
}

/** Polls the async `ok` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitUntilAsync(ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await ok())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
