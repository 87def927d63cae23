/**
 * Semantic cache quality: precision / recall / F1 / false-hit rate at the configured thresholds and
 * precision-recall curves on QQP (calibrate on one half of the split, report on the other), the
 * false-hit rate and paraphrase recall per category on the hard-negative fixtures (the main one the
 * thresholds are calibrated on and two holdouts), the conversation threshold's trade-off between
 * QQP precision and paraphrase recall, and end-to-end lookup latency per tier.
 *
 * Usage: tsx bench/cache-quality.ts [--pairs N] [--fit] [--target-precision P]
 *   --pairs N   QQP pairs taken from the top of ../shared/datasets/qqp/qqp-dev.jsonl (default 8000)
 *   --fit       fit the verifier on the calibration half and print weights for src/cache/verifier-weights.ts
 *               (--fit-only: stop after printing; the conversation threshold is placed mid-way between
 *               --target-precision P (default 0.8) and --min-recall R (default 0.25) on the calibrate half)
 *   --skip-qqp  only the hard-negative fixtures and latency
 *   --latency-only  only the lookup latency, printed as JSON (the full run measures it this way, in a
 *               child process, so the heap of the quality runs does not tax it)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../src/config/load.js';
import { asTenantId } from '../src/core/ids.js';
import { createEmbedder } from '../src/cache/embedders/registry.js';
import { calibrate, evaluatePairs } from '../src/cache/eval.js';
import {
  THRESHOLD_GRID,
  curve,
  memoEmbedder,
  readPairs,
  round,
  scorePairs,
  splitOf,
  type LabelledPair,
  type ScoredPair,
} from '../src/cache/quality.js';
import { openSemanticCache, policyOf } from '../src/cache/semantic-cache-open.js';
import type { SemanticCache } from '../src/cache/semantic-cache.js';
import { fitVerifier, placeBetween, type VerifierWeights } from '../src/cache/verifier.js';
import { verifierFor } from '../src/cache/verifier-weights.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '8000' },
    fit: { type: 'boolean', default: false },
    'target-precision': { type: 'string', default: '0.8' },
    'min-recall': { type: 'string', default: '0.25' },
    'skip-qqp': { type: 'boolean', default: false },
    'latency-only': { type: 'boolean', default: false },
    'fit-only': { type: 'boolean', default: false },
  },
});
const N = Number(values.pairs);
const TARGET = Number(values['target-precision']);
const MIN_RECALL = Number(values['min-recall']);
const QQP = new URL('../../shared/datasets/qqp/qqp-dev.jsonl', import.meta.url).pathname;
const HARD = new URL('../test/fixtures/cache/hard-negatives.jsonl', import.meta.url).pathname;
const HOLDOUT = new URL('../test/fixtures/cache/hard-negatives-holdout.jsonl', import.meta.url).pathname;
const HOLDOUT2 = new URL('../test/fixtures/cache/hard-negatives-holdout2.jsonl', import.meta.url).pathname;
const log = (msg: string): void => console.error(`[bench:cache-quality] ${msg}`);

const config = resolveConfig({ cache: { enabled: true, mechanism: { dataDir: null } } });
const policy = policyOf(config.cache);
const conversation = policy.categories.conversation!.similarity;
const clock = { nowMs: () => Date.now() };
const hash = createEmbedder('hash', { dims: 512 });
const use = memoEmbedder(createEmbedder('use', { maxThreads: 1 }));

function section(embedder: 'use' | 'hash') {
  return { ...config.cache, mechanism: { ...config.cache.mechanism, embedder } };
}

/** The verifier in use: the committed weights, or with --fit the ones just fitted on the calibrate half. */
let verifier: VerifierWeights = verifierFor('use');
/** QQP report half as scored by the cache's functions (kept for the conversation trade-off curve). */
let qqpReportScored: ScoredPair[] | null = null;

async function openFor(embedder: 'use' | 'hash'): Promise<SemanticCache> {
  return openSemanticCache(section(embedder), {
    clock,
    verifier,
    ...(embedder === 'use' ? { embedder: use } : {}),
  });
}

const asConversation = (pairs: readonly LabelledPair[]): LabelledPair[] =>
  pairs.map((p) => ({ ...p, category: 'conversation' }));

const result: Record<string, unknown> = {
  command: `tsx bench/cache-quality.ts --pairs ${N}${values.fit ? ' --fit' : ''}`,
  node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
  commit: (() => {
    try {
      return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })(),
  date: new Date().toISOString(),
};

// --- QQP ---
if (values['latency-only']) {
  const out = await latency();
  await use.close();
  await hash.close();
  console.log(JSON.stringify(out));
  process.exit(0);
}

if (values['skip-qqp']) {
  log('skipping QQP (--skip-qqp)');
} else if (!existsSync(QQP)) {
  log(`skipping QQP: ${QQP} is absent`);
  result.qqp = { skipped: `${QQP} absent` };
} else {
  const pairs = readPairs(QQP, N);
  const calibration = pairs.filter((p) => splitOf(p) === 'calibrate');
  const report = pairs.filter((p) => splitOf(p) === 'report');
  log(`QQP: ${pairs.length} pairs, ${calibration.length} calibrate / ${report.length} report; embedding with USE...`);
  const t0 = performance.now();
  await use.prefetch(pairs.flatMap((p) => [p.a, p.b]));
  log(`embedded ${pairs.length * 2} texts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  if (values.fit) {
    const cal = await scorePairs(calibration, hash, use, verifierFor('use'), policy);
    const data = cal.map((s) => ({ features: s.features!, label: s.pair.label }));
    const fitted = fitVerifier(data, 'use', '');
    // the conversation threshold goes mid-way (by hits) between the calibrate half's precision and
    // recall goals, so both keep a margin on the report half
    const placed = placeBetween(
      fitted,
      data,
      cal.map((s) => s.guardsOk),
      conversation,
      TARGET,
      MIN_RECALL,
    );
    const provenance = `QQP dev, first ${N} pairs, calibrate half (${calibration.length} pairs, sha256 split); threshold ${conversation} placed mid-way between precision ${TARGET} and recall ${MIN_RECALL} on that half`;
    verifier = { ...placed, provenance };
    console.log(JSON.stringify(verifier, null, 2));
    if (values['fit-only']) {
      await use.close();
      await hash.close();
      process.exit(0);
    }
  }

  const scoredReport = await scorePairs(report, hash, use, verifier, policy);
  qqpReportScored = scoredReport;
  const grid = THRESHOLD_GRID.filter((_, i) => i % 5 === 0);
  const useCache = await openFor('use');
  const useEval = await evaluatePairs(useCache, asConversation(report));
  await useCache.close();
  // the same lookups with the load smoother pinned at full pressure (adaptive threshold and TTL)
  const loadedCache = await openFor('use');
  for (let i = 0; i < 100; i++) loadedCache.observeLoad(1, i * 1000);
  const loadedEval = await evaluatePairs(loadedCache, asConversation(report));
  await loadedCache.close();
  const hashCache = await openFor('hash');
  const hashEval = await evaluatePairs(hashCache, asConversation(report));
  await hashCache.close();
  const cosineOnly = (s: ScoredPair): number | null => s.semanticCosine;
  result.qqp = {
    file: '../shared/datasets/qqp/qqp-dev.jsonl',
    pairs: pairs.length,
    split: 'sha256(a + "\\0" + b) first 8 hex digits even = calibrate, odd = report (src/cache/quality.ts splitOf)',
    calibratePairs: calibration.length,
    reportPairs: report.length,
    verifier: verifier.provenance,
    verifierWeights: { bias: verifier.bias, weights: verifier.weights },
    conversationThreshold: conversation,
    use: {
      atConversationThreshold: useEval.overall,
      tiers: useEval.tiers,
      atFullLoad: loadedEval.overall,
      curve: curve(scoredReport, (s) => s.semantic, grid),
      cosineOnlyCurve: curve(scoredReport, cosineOnly, grid),
      cosineNoGuardsCurve: curve(
        scoredReport.map((s) => ({ ...s, guardsOk: true })),
        cosineOnly,
        grid,
      ),
    },
    hash: {
      atConversationThreshold: hashEval.overall,
      tiers: hashEval.tiers,
      curve: curve(scoredReport, (s) => s.lexical, grid),
    },
  };
  log(`QQP report half, USE at ${conversation}: ${JSON.stringify(useEval.overall)}`);
  log(`QQP report half, hash at ${conversation}: ${JSON.stringify(hashEval.overall)}`);
  log(`QQP report half, USE at full load: ${JSON.stringify(loadedEval.overall)}`);
}

// --- hard negatives ---
async function hardNegatives(file: string): Promise<Record<string, unknown>> {
  const pairs = readPairs(file);
  await use.prefetch(pairs.flatMap((p) => [p.a, p.b]));
  const name = file.slice(file.indexOf('test/'));
  const out: Record<string, unknown> = { file: name, pairs: pairs.length };
  for (const embedder of ['use', 'hash'] as const) {
    const cache = await openFor(embedder);
    const r = await evaluatePairs(cache, pairs);
    await cache.close();
    const perCategory: Record<string, unknown> = {};
    for (const [name, row] of Object.entries(r.categories)) {
      const idx = pairs.map((_, i) => i).filter((i) => r.outcomes[i]!.category === name);
      const positives = idx.filter((i) => pairs[i]!.label === 1).length;
      const negatives = idx.length - positives;
      const falseHits = idx.filter((i) => pairs[i]!.label === 0 && r.outcomes[i]!.hit).length;
      perCategory[name] = {
        ...row,
        negatives,
        paraphrases: positives,
        false_hits: falseHits,
        paraphrase_recall: row.recall,
      };
    }
    out[embedder] = { overall: r.overall, categories: perCategory, tiers: r.tiers };
    log(`${name} ${embedder}: ${JSON.stringify(r.overall)}`);
  }
  return out;
}
result.hardNegatives = await hardNegatives(HARD);
result.hardNegativesHoldout = await hardNegatives(HOLDOUT);
result.hardNegativesHoldout2 = await hardNegatives(HOLDOUT2);

// what `fairway cache calibrate` recommends on hard-negatives.jsonl: the lowest threshold reaching
// precision 0.97 (`recommended`) and the middle of the band reaching precision 0.97 and recall 0.3
// (`band`, what defaults.ts uses outside conversation, whose threshold QQP places)
const tuning = await scorePairs(readPairs(HARD), hash, use, verifier, policy);
{
  const calibration = calibrate(tuning, policy, 0.97, 0.3);
  const rows: Record<string, { configured: number; recommended: number | null; band: number | null }> = {};
  for (const [name, c] of Object.entries(calibration.categories)) {
    rows[name] = { configured: c.configured, recommended: c.recommended, band: c.band };
  }
  result.calibration = {
    command:
      'fairway cache calibrate --pairs test/fixtures/cache/hard-negatives.jsonl --target-precision 0.97 --min-recall 0.3',
    categories: rows,
  };
  log(`calibration on hard-negatives.jsonl: ${JSON.stringify(rows)}`);
}

// the conversation threshold serves both QQP (precision goal) and conversation paraphrases (recall
// goal): both scored with the cache's own functions at each threshold (guards and order veto applied)
if (qqpReportScored !== null) {
  const grid = THRESHOLD_GRID.filter((_, i) => i % 2 === 0 && THRESHOLD_GRID[i]! >= 0.7);
  const qqpCurve = curve(qqpReportScored, (s) => s.semantic, grid);
  const conv = tuning.filter((s) => s.pair.category === 'conversation');
  const convCurve = curve(conv, (s) => s.semantic, grid);
  result.conversationTradeoff = {
    note: 'QQP report half vs hard-negatives.jsonl conversation pairs, semantic tier score with guards',
    points: grid.map((threshold, i) => ({
      threshold,
      qqpPrecision: qqpCurve[i]!.precision,
      qqpRecall: qqpCurve[i]!.recall,
      conversationParaphraseRecall: convCurve[i]!.recall,
      conversationFalseHits: conv.filter(
        (s) => s.pair.label === 0 && s.guardsOk && s.semantic !== null && s.semantic >= threshold,
      ).length,
    })),
  };
}

// --- end-to-end lookup latency per tier ---
async function latency(): Promise<Record<string, unknown>> {
  // its own USE pool, no memo: the semantic path pays for a real embedding of each unseen question
  const cache = await openSemanticCache(section('use'), { clock, verifier });
  const texts = existsSync(QQP)
    ? readPairs(QQP, 1500).map((p) => p.a)
    : Array.from({ length: 1500 }, (_, i) => `question number ${i} about topic ${i % 37}`);
  const stored = texts.slice(0, 1000);
  const req = (text: string) => ({
    tenant: asTenantId('bench'),
    model: 'm',
    messages: [{ role: 'user' as const, content: text }],
    categoryHeader: 'conversation',
    temperature: 0,
    sampling: { model: 'm', temperature: 0 },
  });
  for (const t of stored) {
    const out = await cache.lookup(req(t));
    if (out.kind === 'miss') {
      await cache.store(out.ticket, {
        answer: {
          responseText: `answer: ${t}`,
          tokenIds: null,
          finishReason: 'stop',
          usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
          model: 'm',
        },
        response: { status: 200, finishReason: 'stop', error: false },
      });
    }
  }
  const samples: Record<string, number[]> = { exact: [], lexical: [], semanticMiss: [] };
  const time = async (text: string): Promise<[string, number]> => {
    const t0 = performance.now();
    const out = await cache.lookup(req(text));
    return [out.kind === 'hit' ? out.tier : out.kind, performance.now() - t0];
  };
  for (const t of stored.slice(0, 300)) {
    const [tier, ms] = await time(t);
    if (tier === 'exact') samples.exact!.push(ms);
  }
  // the same words with inner punctuation added: the exact key differs, the hashed features barely do
  for (const t of stored.slice(300, 600)) {
    const words = t.split(/\s+/);
    const variant = `${words[0] ?? ''}, ${words.slice(1).join(' ')}`;
    const [tier, ms] = await time(variant);
    if (tier === 'lexical') samples.lexical!.push(ms);
  }
  // unseen questions: the full miss path (classify, hash + USE embedding, two searches, verification)
  for (const t of texts.slice(1000, 1300)) {
    const [tier, ms] = await time(t);
    if (tier === 'miss' || tier === 'semantic') samples.semanticMiss!.push(ms);
  }
  await cache.close();
  // the same unseen questions through a bare USE embedder of the same size: what the embedding alone costs
  const bare = createEmbedder('use', { maxThreads: 1 });
  for (const t of texts.slice(1300, 1320)) await bare.embed([t]);
  samples.useEmbedOnly = [];
  for (const t of texts.slice(1000, 1300)) {
    const t0 = performance.now();
    await bare.embed([t]);
    samples.useEmbedOnly.push(performance.now() - t0);
  }
  await bare.close();
  const pct = (xs: number[], q: number): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? Number.NaN : round(s[Math.min(s.length - 1, Math.floor(q * s.length))]!);
  };
  const out: Record<string, unknown> = { storedEntries: stored.length };
  for (const [k, xs] of Object.entries(samples))
    out[k] = { samples: xs.length, p50Ms: pct(xs, 0.5), p99Ms: pct(xs, 0.99) };
  log(`latency: ${JSON.stringify(out)}`);
  return out;
}
// In a fresh process: this run's embedding memos and scored pairs would otherwise tax the lookups' GC.
const latencyRun = execFileSync(
  process.execPath,
  [...process.execArgv, fileURLToPath(import.meta.url), '--latency-only'],
  {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
result.latency = JSON.parse(latencyRun.trim().split('\n').at(-1)!) as Record<string, unknown>;

await use.close();
await hash.close();
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/cache-quality.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
log('wrote bench/results/cache-quality.json');

// --- the table in bench/README.md, between markers ---
interface Row {
  pairs: number;
  hits: number;
  precision: number;
  recall: number;
  f1: number;
  false_hit_rate: number;
}
const f3 = (x: number): string => x.toFixed(3);
const lines: string[] = [];
const qqp = result.qqp as
  | {
      pairs: number;
      reportPairs: number;
      conversationThreshold: number;
      use: {
        atConversationThreshold: Row;
        atFullLoad: Row;
        curve: { threshold: number; precision: number; recall: number }[];
        cosineOnlyCurve: { threshold: number; precision: number; recall: number }[];
        cosineNoGuardsCurve: { threshold: number; precision: number; recall: number }[];
      };
      hash: { atConversationThreshold: Row; curve: { threshold: number; precision: number; recall: number }[] };
    }
  | { skipped: string }
  | undefined;
if (qqp !== undefined && 'use' in qqp) {
  lines.push(
    `QQP (${qqp.pairs} pairs from the top of qqp-dev.jsonl; verifier fitted on the calibrate half, reported on the other ${qqp.reportPairs} pairs), every pair looked up at the conversation threshold ${qqp.conversationThreshold}:`,
    '',
    '| embedder | pairs | hits | precision | recall | F1 | false-hit rate |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const [name, r] of [
    ['USE + verifier + guards', qqp.use.atConversationThreshold],
    ['same, load-adapted at full pressure', qqp.use.atFullLoad],
    ['hash (lexical tier) + guards', qqp.hash.atConversationThreshold],
  ] as const) {
    lines.push(
      `| ${name} | ${r.pairs} | ${r.hits} | ${f3(r.precision)} | ${f3(r.recall)} | ${f3(r.f1)} | ${f3(r.false_hit_rate)} |`,
    );
  }
  const pick = (c: { threshold: number; precision: number; recall: number }[]) =>
    c.filter((p) => [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95].some((t) => Math.abs(p.threshold - t) < 1e-9));
  lines.push(
    '',
    'Precision / recall by threshold on the report half (the first three columns with the guards and the word-order veto):',
    '',
    '| threshold | USE verified P / R | USE cosine + guards P / R | hash lexical P / R | USE cosine alone P / R |',
    '| --- | --- | --- | --- | --- |',
  );
  const v = pick(qqp.use.curve);
  const c = pick(qqp.use.cosineOnlyCurve);
  const h = pick(qqp.hash.curve);
  const raw = pick(qqp.use.cosineNoGuardsCurve);
  v.forEach((p, i) => {
    lines.push(
      `| ${p.threshold} | ${f3(p.precision)} / ${f3(p.recall)} | ${f3(c[i]!.precision)} / ${f3(c[i]!.recall)} | ${f3(h[i]!.precision)} / ${f3(h[i]!.recall)} | ${f3(raw[i]!.precision)} / ${f3(raw[i]!.recall)} |`,
    );
  });
}
const hardTable = (title: string, data: Record<string, unknown>): void => {
  lines.push(
    '',
    title,
    '',
    '| category | embedder | negatives | false hits | false-hit rate | paraphrase recall |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const embedder of ['use', 'hash']) {
    const cats = (data[embedder] as { categories: Record<string, Row & { negatives: number; false_hits: number }> })
      .categories;
    for (const [name, r] of Object.entries(cats)) {
      lines.push(
        `| ${name} | ${embedder} | ${r.negatives} | ${r.false_hits} | ${f3(r.false_hit_rate)} | ${f3(r.recall)} |`,
      );
    }
  }
};
hardTable(
  'Hard negatives (`test/fixtures/cache/hard-negatives.jsonl`, configured thresholds):',
  result.hardNegatives as Record<string, unknown>,
);
hardTable(
  'Hard negatives holdout (`hard-negatives-holdout.jsonl`, configured thresholds):',
  result.hardNegativesHoldout as Record<string, unknown>,
);
hardTable(
  'Hard negatives holdout 2 (`hard-negatives-holdout2.jsonl`, written before any threshold was tuned, configured thresholds):',
  result.hardNegativesHoldout2 as Record<string, unknown>,
);
const cal = result.calibration as {
  command: string;
  categories: Record<string, { configured: number; recommended: number | null; band: number | null }>;
};
lines.push(
  '',
  `\`${cal.command}\` (per category: configured / lowest threshold at precision 0.97 / middle of the band at precision 0.97 and recall 0.3): ${Object.entries(
    cal.categories,
  )
    .map(([k, c]) => `${k} ${c.configured} / ${c.recommended ?? 'none'} / ${c.band ?? 'none'}`)
    .join('; ')}.`,
);
const trade = result.conversationTradeoff as
  | {
      points: {
        threshold: number;
        qqpPrecision: number;
        qqpRecall: number;
        conversationParaphraseRecall: number;
        conversationFalseHits: number;
      }[];
    }
  | undefined;
if (trade !== undefined) {
  lines.push(
    '',
    'One conversation threshold governs both measurements (they cannot both meet their goal at one value); QQP report half vs the conversation pairs of hard-negatives.jsonl (semantic score, guards on):',
    '',
    '| threshold | QQP precision | QQP recall | conversation paraphrase recall | conversation false hits |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const p of trade.points) {
    lines.push(
      `| ${p.threshold} | ${f3(p.qqpPrecision)} | ${f3(p.qqpRecall)} | ${f3(p.conversationParaphraseRecall)} | ${p.conversationFalseHits} |`,
    );
  }
}
const lat = result.latency as Record<string, { samples: number; p50Ms: number; p99Ms: number }>;
lines.push(
  '',
  `End-to-end lookup latency with 1000 entries (USE, in-memory store): exact hit p50 ${lat.exact!.p50Ms} ms (p99 ${lat.exact!.p99Ms}); lexical hit p50 ${lat.lexical!.p50Ms} ms (p99 ${lat.lexical!.p99Ms}); semantic path of an unseen question (classify, hash + USE embedding, two searches, verification) p50 ${lat.semanticMiss!.p50Ms} ms (p99 ${lat.semanticMiss!.p99Ms}); of which the USE embedding alone (same questions, bare embedder, same run) p50 ${lat.useEmbedOnly!.p50Ms} ms (p99 ${lat.useEmbedOnly!.p99Ms}).`,
  '',
  `Measured ${String(result.date)} on ${String(result.cpu)}, Node ${String(result.node)}, commit ${String(result.commit).slice(0, 7)}: \`${String(result.command)}\`.`,
);
const readmeUrl = new URL('README.md', import.meta.url);
const readme = readFileSync(readmeUrl, 'utf8');
const begin = '<!-- cache-quality:begin -->';
const end = '<!-- cache-quality:end -->';
const block = `${begin}\n${lines.join('\n')}\n${end}`;
writeFileSync(
  readmeUrl,
  readme.includes(begin)
    ? readme.replace(new RegExp(`${begin}[\\s\\S]*${end}`), block)
    : `${readme.trimEnd()}\n\n${block}\n`,
);
process.stdout.write(`${lines.join('\n')}\n`);
