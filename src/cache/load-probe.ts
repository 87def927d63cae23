/**
 * The scheduler's view of downstream load as the cache's load signal: gateway queue depth against
 * its capacity, and the best KV headroom among instances taking work. Reads a snapshot; decides nothing.
 */
import type { LoadSignal } from '../core/cache/index.js';
import type { SchedulerSnapshot } from '../core/scheduler/types.js';

export function loadSignalOf(snapshot: SchedulerSnapshot, queueCapacity: number): LoadSignal {
  let freeness = 0;
  for (const inst of snapshot.instances) {
    if (!inst.up || inst.draining || inst.capacityTokens <= 0) continue;
    const used = (inst.kvTokens + inst.pendingTokens) / inst.capacityTokens;
    freeness = Math.max(freeness, Math.min(1, Math.max(0, 1 - used)));
  }
  return { queueDepth: snapshot.queued.length, queueCapacity, freeness };
}
