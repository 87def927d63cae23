/**
 * Fitted verifier weights per embedder (see verifier.ts). Regenerate with
 * `npm run bench:cache-quality -- --fit`: it fits on the calibration part of the QQP split and
 * prints this table; reports use the other part only.
 */
import type { VerifierWeights } from './verifier.js';

export const VERIFIER_WEIGHTS: Readonly<Record<string, VerifierWeights>> = {
  use: {
    embedder: 'use',
    bias: -9.470876108194636,
    weights: [
      14.51191617515805, -2.0445008239135705, 4.925918355630255, -0.6674915546629517, -0.382040573747981,
      -5.027329237952292,
    ],
    provenance:
      'QQP dev, first 4000 pairs, calibrate half (1927 pairs, sha256 split); threshold 0.88 placed at precision 0.87',
  },
};

/**
 * Weights for an embedder's semantic tier. Embedders without fitted weights (`http`, `hash`) use the
 * `use` weights: refit them with `--fit` for a new embedding model. The lexical tier needs none.
 */
export function verifierFor(embedder: string): VerifierWeights {
  return VERIFIER_WEIGHTS[embedder] ?? VERIFIER_WEIGHTS.use!;
}
