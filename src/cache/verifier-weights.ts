/**
 * Fitted verifier weights per embedder (see verifier.ts). Regenerate with
 * `npm run bench:cache-quality -- --pairs 8000 --fit`: it fits on the calibrate half of the QQP
 * pairs, prints these weights and reports with them on the other half only.
 */
import type { VerifierWeights } from './verifier.js';

export const VERIFIER_WEIGHTS: Readonly<Record<string, VerifierWeights>> = {
  use: {
    embedder: 'use',
    bias: -8.493780746251147,
    weights: [
      13.530240476798939, -2.157261872470573, 6.2324016380047045, -0.6849665497836667, -0.32382687580051,
      -6.183665817671977,
    ],
    provenance:
      'QQP dev, first 8000 pairs, calibrate half (3904 pairs, sha256 split); threshold 0.88 placed mid-way between precision 0.8 and recall 0.25 on that half',
  },
};

/**
 * Weights for an embedder's semantic tier. Embedders without fitted weights (`http`, `hash`) use the
 * `use` weights: refit them with `--fit` for a new embedding model. The lexical tier needs none.
 */
export function verifierFor(embedder: string): VerifierWeights {
  return VERIFIER_WEIGHTS[embedder] ?? VERIFIER_WEIGHTS.use!;
}
