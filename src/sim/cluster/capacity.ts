/**
 * Cluster capacity for `--load RHO`: a saturating closed-loop virtual run (least-loaded, no gateway
 * holding) with C clients per instance that resubmit on completion (C = twice what fits in KV at the
 * trace's mean context, within [8, maxNumSeqs]), 8 requests per client, lengths taken evenly across
 * the trace. Between the C-th completion and the last submission every client is busy; the output
 * tokens delivered per second in that window, divided by the mean output length, is the capacity in
 * req/s (counting tokens, not completions, avoids the short-request bias of a finite closed loop).
 * Cached in memory per (preset, instances, KV size, trace identity).
 */
import { findPreset } from '../../core/engine/index.js';
import { shapeOf } from './prompts.js';
import { simulateCluster, type SimTraceRequest } from './simulator.js';

export interface CapacityOptions {
  readonly requests: readonly SimTraceRequest[];
  readonly instances: number;
  readonly preset: string;
  readonly kvTokens?: number;
  readonly maxBatchedTokens?: number;
  /** Distinguishes traces in the cache (e.g. path + load options). */
  readonly traceKey: string;
  readonly seed?: number;
}

export interface Capacity {
  readonly reqPerS: number;
  /** Output tokens per second over the same interval. */
  readonly outputTokPerS: number;
  readonly concurrency: number;
  readonly requests: number;
}

const cache = new Map<string, Capacity>();

export function measureCapacity(opts: CapacityOptions): Capacity {
  const key = JSON.stringify([
    opts.preset,
    opts.instances,
    opts.kvTokens ?? null,
    opts.maxBatchedTokens ?? null,
    opts.traceKey,
    opts.seed ?? 1,
  ]);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const preset = findPreset(opts.preset);
  if (preset === undefined) throw new RangeError(`unknown engine preset: ${opts.preset}`);
  const n = opts.requests.length;
  let sumContext = 0;
  let sumOutput = 0;
  const maxModelLen = Math.min(preset.maxModelLen, opts.kvTokens ?? preset.kvTokens);
  for (const r of opts.requests) {
    const shape = shapeOf(r.promptTokens, r.outputTokens, maxModelLen);
    sumContext += shape.promptTokens + shape.outputTokens;
    sumOutput += shape.outputTokens;
  }
  const meanContext = n > 0 ? sumContext / n : 1;
  const meanOutput = n > 0 ? sumOutput / n : 1;
  const fit = Math.ceil((2 * (opts.kvTokens ?? preset.kvTokens)) / Math.max(1, meanContext));
  const perInstance = Math.max(8, Math.min(preset.maxNumSeqs, fit));
  const concurrency = opts.instances * perInstance;
  const total = 8 * concurrency;
  const result = simulateCluster({
    requests: opts.requests,
    instances: opts.instances,
    preset: opts.preset,
    policy: 'least-loaded',
    seed: opts.seed ?? 1,
    closedLoop: { concurrency, total },
    ...(opts.kvTokens !== undefined ? { kvTokens: opts.kvTokens } : {}),
    ...(opts.maxBatchedTokens !== undefined ? { maxBatchedTokens: opts.maxBatchedTokens } : {}),
    wallNowMs: () => 0,
  });
  const finishes = result.records.map((r) => r.finishMs).sort((a, b) => a - b);
  const from = finishes[concurrency - 1] ?? 0;
  let to = 0;
  for (const r of result.records) to = Math.max(to, r.arrivalMs);
  let reqPerS = 0;
  let outputTokPerS = 0;
  if (to > from) {
    let tokens = 0;
    for (const r of result.records) for (const t of r.tokenTimesMs) if (t >= from && t < to) tokens++;
    outputTokPerS = (tokens * 1000) / (to - from);
    reqPerS = outputTokPerS / meanOutput;
  }
  const capacity: Capacity = { reqPerS, outputTokPerS, concurrency, requests: total };
  cache.set(key, capacity);
  return capacity;
}
