/**
 * `fairway cache eval` and `calibrate` as library functions: eval stores each pair's `a` in a fresh
 * cache (the real service, configured policies) and looks up `b`; calibrate scores pairs with the
 * cache's own scoring and picks per-category thresholds for a target precision. No printing here.
 */
import { asTenantId } from '../core/ids.js';
import { createCachePolicy, type CachePolicyConfig } from '../core/cache/index.js';
import type { SemanticCache, CacheLookupRequest } from './semantic-cache.js';
import {
  THRESHOLD_GRID,
  curve,
  emptyConfusion,
  rowOf,
  tally,
  thresholdBetween,
  thresholdFor,
  type Confusion,
  type LabelledPair,
  type QualityRow,
  type ScoredPair,
} from './quality.js';

export interface EvalReport {
  readonly overall: QualityRow;
  readonly categories: Record<string, QualityRow>;
  readonly tiers: Record<string, number>;
  /** Per pair: whether b was served and on which tier (for per-kind breakdowns). */
  readonly outcomes: readonly { readonly hit: boolean; readonly tier: string | null; readonly category: string }[];
}

function requestOf(pair: LabelledPair, side: 'a' | 'b'): CacheLookupRequest {
  const context = (side === 'a' ? pair.context_a : pair.context_b) ?? [];
  return {
    tenant: asTenantId('eval'),
    model: 'eval-model',
    messages: [...context, { role: 'user', content: side === 'a' ? pair.a : pair.b }],
    categoryHeader: pair.category,
    temperature: 0,
    sampling: { model: 'eval-model', temperature: 0 },
  };
}

/** Runs every pair through a fresh cache: store `a`, look up `b`, then clear the cache. */
export async function evaluatePairs(cache: SemanticCache, pairs: readonly LabelledPair[]): Promise<EvalReport> {
  const overall = emptyConfusion();
  const byCategory = new Map<string, Confusion>();
  const tiers: Record<string, number> = {};
  const outcomes: { hit: boolean; tier: string | null; category: string }[] = [];
  for (const pair of pairs) {
    const first = await cache.lookup(requestOf(pair, 'a'));
    if ((first.kind === 'miss' || first.kind === 'bypass') && first.ticket !== null) {
      await cache.store(first.ticket, {
        answer: {
          responseText: `answer to: ${pair.a}`,
          tokenIds: null,
          finishReason: 'stop',
          usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
          model: 'eval-model',
        },
        response: { status: 200, finishReason: 'stop', error: false },
      });
    }
    const second = await cache.lookup(requestOf(pair, 'b'));
    const hit = second.kind === 'hit';
    const category =
      second.kind === 'hit' || second.kind === 'miss'
        ? second.ticket.category
        : second.kind === 'bypass'
          ? (second.category ?? 'none')
          : 'unknown';
    if (second.kind === 'hit') tiers[second.tier] = (tiers[second.tier] ?? 0) + 1;
    let c = byCategory.get(category);
    if (c === undefined) byCategory.set(category, (c = emptyConfusion()));
    tally(c, hit, pair.label);
    tally(overall, hit, pair.label);
    outcomes.push({ hit, tier: second.kind === 'hit' ? second.tier : null, category });
    await cache.invalidate({});
  }
  const categories: Record<string, QualityRow> = {};
  for (const [name, c] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) categories[name] = rowOf(c);
  return { overall: rowOf(overall), categories, tiers, outcomes };
}

export interface CalibrationReport {
  readonly targetPrecision: number;
  /** With a recall goal: thresholds from the middle of the band meeting both goals. */
  readonly minRecall: number | null;
  readonly score: 'semantic' | 'lexical';
  readonly categories: Record<
    string,
    {
      readonly pairs: number;
      readonly configured: number;
      readonly recommended: number | null;
      /** Middle of the band reaching `targetPrecision` and `minRecall` (null without a recall goal or band). */
      readonly band: number | null;
      readonly curve: ReturnType<typeof curve>;
    }
  >;
}

/**
 * Picks per-category thresholds reaching `targetPrecision` on scored pairs; with `minRecall`, also
 * the middle of the band of thresholds that reach both (`band`), the choice that leaves a margin.
 */
export function calibrate(
  scored: readonly ScoredPair[],
  policyConfig: CachePolicyConfig,
  targetPrecision: number,
  minRecall: number | null = null,
): CalibrationReport {
  const policy = createCachePolicy(policyConfig);
  const semantic = scored.some((s) => s.semantic !== null);
  const scoreOf = (s: ScoredPair): number | null => (semantic ? s.semantic : s.lexical);
  const groups = new Map<string, ScoredPair[]>();
  for (const s of scored) {
    const cls = policy.classify({
      tenant: asTenantId('eval'),
      model: 'eval-model',
      messages: [{ role: 'user', content: s.pair.b }],
      categoryHeader: s.pair.category,
    });
    const name = cls.ok ? cls.category : policyConfig.defaultCategory;
    let g = groups.get(name);
    if (g === undefined) groups.set(name, (g = []));
    g.push(s);
  }
  const categories: CalibrationReport['categories'] = {};
  const coarse = THRESHOLD_GRID.filter((_, i) => i % 5 === 0);
  for (const [name, group] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    categories[name] = {
      pairs: group.length,
      configured: policy.category(name)?.similarity ?? Number.NaN,
      recommended: thresholdFor(group, scoreOf, targetPrecision, THRESHOLD_GRID),
      band: minRecall === null ? null : thresholdBetween(group, scoreOf, targetPrecision, minRecall, THRESHOLD_GRID),
      curve: curve(group, scoreOf, coarse),
    };
  }
  return { targetPrecision, minRecall, score: semantic ? 'semantic' : 'lexical', categories };
}
