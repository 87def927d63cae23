/**
 * `fairway cache eval --pairs FILE [--embedder NAME] [--limit N] [--config FILE] [--json]` and
 * `fairway cache calibrate --pairs FILE --target-precision P [...]`: a thin shell over eval.ts.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { FairwayError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { calibrate, evaluatePairs } from './eval.js';
import { createConfiguredEmbedder, openSemanticCache, policyOf } from './semantic-cache-open.js';
import { memoEmbedder, readPairs, scorePairs } from './quality.js';
import { createEmbedder } from './embedders/registry.js';
import { verifierFor } from './verifier-weights.js';

const HELP = `usage: fairway cache eval --pairs FILE [--embedder use|hash|http] [--limit N] [--config FILE] [--json]
       fairway cache calibrate --pairs FILE --target-precision P [--min-recall R] [--embedder NAME] [--limit N] [--config FILE] [--json]

  eval        stores each pair's a in a fresh in-memory cache (configured policies) and looks up b;
              prints precision, recall, false_hit_rate (false hits / served hits) and hits per category
  calibrate   scores the pairs as the cache does and picks per-category thresholds reaching P,
              printing precision/recall curves; with --min-recall R also the middle of the band of
              thresholds reaching both P and R (the margin-keeping choice)
  Pairs are JSONL: {"a", "b", "label": 0|1, "category"?, "context_a"?, "context_b"?}.`;

const OPTIONS = {
  pairs: { type: 'string' },
  embedder: { type: 'string' },
  limit: { type: 'string' },
  config: { type: 'string' },
  'target-precision': { type: 'string' },
  'min-recall': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** The config the CLI runs with: in memory, the chosen embedder, the cache on. */
function evalSection(config: Config, embedder: string | undefined): Config['cache'] {
  const name = embedder ?? config.cache.mechanism.embedder;
  if (name !== 'use' && name !== 'hash' && name !== 'http') {
    throw new FairwayError('FW_ERR_CLI_USAGE', { detail: `unknown embedder '${name}' (use, hash, http)\n${HELP}` });
  }
  return {
    ...config.cache,
    enabled: true,
    mechanism: { ...config.cache.mechanism, embedder: name, dataDir: null },
  };
}

const wallClock = { nowMs: () => Date.now() };

export async function runCacheCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: OPTIONS, strict: true }));
  } catch (e) {
    throw new FairwayError('FW_ERR_CLI_USAGE', { detail: `${(e as Error).message}\n${HELP}` });
  }
  if (values.help === true || sub === undefined || sub === 'help') {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  if ((sub !== 'eval' && sub !== 'calibrate') || values.pairs === undefined) {
    throw new FairwayError('FW_ERR_CLI_USAGE', { detail: HELP });
  }
  const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
  const pairs = readPairs(values.pairs, limit);
  const section = evalSection(loadConfig(values.config), values.embedder);
  const m = section.mechanism;
  const semantic = m.embedder === 'hash' ? null : memoEmbedder(createConfiguredEmbedder(m));
  if (semantic !== null) await semantic.prefetch(pairs.flatMap((p) => [p.a, p.b]));

  if (sub === 'eval') {
    const cache = await openSemanticCache(section, {
      clock: wallClock,
      ...(semantic === null ? {} : { embedder: semantic }),
    });
    try {
      const report = await evaluatePairs(cache, pairs);
      const out = {
        pairs: pairs.length,
        embedder: m.embedder,
        overall: report.overall,
        categories: report.categories,
        tiers: report.tiers,
      };
      if (values.json === true) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else {
        process.stdout.write(`category        pairs  hits  precision  recall  false_hit_rate\n`);
        for (const [name, r] of [...Object.entries(report.categories), ['overall', report.overall] as const]) {
          process.stdout.write(
            `${name.padEnd(14)} ${String(r.pairs).padStart(6)} ${String(r.hits).padStart(5)} ${r.precision.toFixed(3).padStart(10)} ${r.recall.toFixed(3).padStart(7)} ${r.false_hit_rate.toFixed(3).padStart(15)}\n`,
          );
        }
      }
    } finally {
      await cache.close();
      await semantic?.close();
    }
    return 0;
  }

  const target = Number(values['target-precision']);
  if (!(target > 0 && target <= 1)) {
    throw new FairwayError('FW_ERR_CLI_USAGE', { detail: `--target-precision must be in (0, 1]\n${HELP}` });
  }
  const minRecall = values['min-recall'] === undefined ? null : Number(values['min-recall']);
  if (minRecall !== null && !(minRecall >= 0 && minRecall <= 1)) {
    throw new FairwayError('FW_ERR_CLI_USAGE', { detail: `--min-recall must be in [0, 1]\n${HELP}` });
  }
  const hash = createEmbedder('hash', { dims: 512 });
  try {
    const scored = await scorePairs(pairs, hash, semantic, verifierFor(m.embedder), policyOf(section));
    const report = calibrate(scored, policyOf(section), target, minRecall);
    if (values.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      for (const [name, c] of Object.entries(report.categories)) {
        const rec = c.recommended === null ? 'none reaches the target' : c.recommended.toFixed(3);
        const band =
          minRecall === null ? '' : `, band ${c.band === null ? 'none reaches both goals' : c.band.toFixed(3)}`;
        process.stdout.write(`${name}: ${c.pairs} pairs, configured ${c.configured}, recommended ${rec}${band}\n`);
        process.stdout.write(`  threshold  precision  recall  hits\n`);
        for (const p of c.curve) {
          process.stdout.write(
            `  ${p.threshold.toFixed(3).padStart(9)} ${p.precision.toFixed(3).padStart(10)} ${p.recall.toFixed(3).padStart(7)} ${String(p.hits).padStart(5)}\n`,
          );
        }
      }
    }
  } finally {
    await semantic?.close();
    await hash.close();
  }
  return 0;
}
