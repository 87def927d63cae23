/**
 * Deterministic category classification: the `x-fairway-category` header wins, then match rules
 * (model names, regexes, keywords; compiled once here), then similarity to category centroids that
 * the mechanism computed from the exemplars, then the default category. Never embeds anything itself.
 */
import { lastUserMessage } from './keys.js';
import type { CachePolicyConfig, CacheRequest, Classification } from './types.js';

interface CompiledCategory {
  readonly name: string;
  readonly priority: number;
  readonly order: number;
  readonly regexes: readonly { readonly source: string; readonly re: RegExp }[];
  readonly keywords: RegExp | null;
  readonly models: readonly string[];
}

/** Centroid similarity per category name, as computed by the mechanism for this request's text. */
export type CentroidScores = Readonly<Record<string, number>> | ReadonlyMap<string, number>;

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Returns the compile error of each invalid regex, keyed by `category.match.regex[i]`. */
export function regexProblems(config: CachePolicyConfig): string[] {
  const out: string[] = [];
  for (const [name, c] of Object.entries(config.categories)) {
    c.match.regex.forEach((src, i) => {
      try {
        new RegExp(src, 'iu');
      } catch (e) {
        out.push(`/categories/${name}/match/regex/${i}: ${(e as Error).message}`);
      }
    });
  }
  return out;
}

function compile(config: CachePolicyConfig): CompiledCategory[] {
  return Object.entries(config.categories).map(([name, c], order) => ({
    name,
    priority: c.priority,
    order,
    regexes: c.match.regex.map((source) => ({ source, re: new RegExp(source, 'iu') })),
    keywords:
      c.match.keywords.length === 0
        ? null
        : new RegExp(`(?<![\\p{L}\\p{N}_])(?:${c.match.keywords.map(escapeRegex).join('|')})(?![\\p{L}\\p{N}_])`, 'iu'),
    models: c.match.models.map((m) => m.toLowerCase()),
  }));
}

const scoreOf = (scores: CentroidScores, name: string): number | undefined =>
  scores instanceof Map
    ? (scores as ReadonlyMap<string, number>).get(name)
    : (scores as Readonly<Record<string, number>>)[name];

export interface Classifier {
  classify(request: CacheRequest, centroids?: CentroidScores): Classification;
}

/** Builds a classifier; all regexes are compiled now, none per request. */
export function createClassifier(config: CachePolicyConfig): Classifier {
  const categories = compile(config);
  const byLowerName = new Map(categories.map((c) => [c.name.toLowerCase(), c.name]));

  function byRules(request: CacheRequest): Classification | null {
    const text = lastUserMessage(request.messages) ?? '';
    const model = request.model.toLowerCase();
    let best: { cat: CompiledCategory; hits: number; detail: string } | null = null;
    for (const cat of categories) {
      let hits = 0;
      let detail = '';
      for (const m of cat.models) {
        if (model.includes(m)) {
          hits++;
          detail ||= `model ~ ${m}`;
        }
      }
      for (const { source, re } of cat.regexes) {
        if (re.test(text)) {
          hits++;
          detail ||= `regex ${source}`;
        }
      }
      const kw = cat.keywords?.exec(text);
      if (kw) {
        hits++;
        detail ||= `keyword ${kw[0].toLowerCase()}`;
      }
      if (hits === 0) continue;
      // higher priority, then more rule hits, then config order (categories are visited in order)
      if (
        best === null ||
        cat.priority > best.cat.priority ||
        (cat.priority === best.cat.priority && hits > best.hits)
      ) {
        best = { cat, hits, detail };
      }
    }
    return best === null ? null : { ok: true, category: best.cat.name, source: 'rule', detail: best.detail };
  }

  function byCentroid(scores: CentroidScores): Classification | null {
    let first: { name: string; score: number } | null = null;
    let second = -Infinity;
    for (const cat of categories) {
      const s = scoreOf(scores, cat.name);
      if (s === undefined || !Number.isFinite(s)) continue;
      if (first === null || s > first.score) {
        if (first !== null) second = first.score;
        first = { name: cat.name, score: s };
      } else if (s > second) {
        second = s;
      }
    }
    if (first === null || first.score < config.centroidMinSimilarity || first.score - second < config.centroidMargin) {
      return null;
    }
    return { ok: true, category: first.name, source: 'centroid', detail: `similarity ${first.score.toFixed(3)}` };
  }

  return {
    classify(request, centroids) {
      const header = request.categoryHeader?.trim();
      if (header !== undefined && header.length > 0) {
        const name = byLowerName.get(header.toLowerCase());
        return name === undefined
          ? { ok: false, error: 'unknown-category', name: header }
          : { ok: true, category: name, source: 'header', detail: 'x-fairway-category' };
      }
      return (
        byRules(request) ??
        (centroids === undefined ? null : byCentroid(centroids)) ?? {
          ok: true,
          category: config.defaultCategory,
          source: 'default',
          detail: 'no rule or centroid decided',
        }
      );
    },
  };
}
