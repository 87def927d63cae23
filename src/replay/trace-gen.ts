/**
 * Synthetic trace generator (`fairway trace gen`): Gamma inter-arrivals with a given mean rate and CV,
 * bounded Zipf prompt and output lengths, tenants by share; seeded, so the same options give the same
 * bytes. Writes the generic CSV format that `loadTrace` reads (header `arrival_ms,tenant,weight,...`).
 */
import { SeededRng } from '../core/rng.js';
import { csvField } from './csv-line.js';
import { boundedZipf, gammaInterArrivalMs } from './distributions.js';
import { createTenantAssigner } from './trace-tenants.js';
import type { TenantShare } from './trace-tenants.js';

export interface LengthSpec {
  readonly min: number;
  readonly max: number;
  readonly exponent: number;
}

export interface TraceGenOptions {
  readonly requests: number;
  readonly ratePerS: number;
  /** Coefficient of variation of inter-arrival gaps: 1 is Poisson, BurstGPT is 3-5. */
  readonly cv: number;
  readonly prompt: LengthSpec;
  readonly output: LengthSpec;
  readonly tenants: readonly TenantShare[];
  readonly seed: number;
  /** Share of requests in priority class 1 (others 0). Default 0. */
  readonly highPriorityShare?: number;
}

export interface GeneratedRow {
  readonly arrivalMs: number;
  readonly tenant: string;
  readonly weight: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly priority: number;
}

export const GENERATED_HEADER = 'arrival_ms,tenant,weight,prompt_tokens,output_tokens,priority';

function checkLength(name: string, s: LengthSpec): void {
  if (!(Number.isInteger(s.min) && Number.isInteger(s.max) && s.min >= 1 && s.max >= s.min && s.max <= 1_000_000)) {
    throw new RangeError(`${name}: need integers 1 <= min <= max <= 1e6, got ${s.min}..${s.max}`);
  }
}

/** Generates rows; independent Rng streams per quantity so changing one knob leaves the others alone. */
export function generateTrace(options: TraceGenOptions): GeneratedRow[] {
  checkLength('prompt', options.prompt);
  checkLength('output', options.output);
  if (!(options.ratePerS > 0) || !(options.cv >= 0)) throw new RangeError('need rate > 0 and cv >= 0');
  const seed = options.seed >>> 0;
  const gap = gammaInterArrivalMs(new SeededRng(seed ^ 0x0a11), options.ratePerS, options.cv);
  const prompt = boundedZipf(
    new SeededRng(seed ^ 0x0b22),
    options.prompt.min,
    options.prompt.max,
    options.prompt.exponent,
  );
  const output = boundedZipf(
    new SeededRng(seed ^ 0x0c33),
    options.output.min,
    options.output.max,
    options.output.exponent,
  );
  const assigner = createTenantAssigner({ kind: 'shares', tenants: options.tenants }, seed ^ 0x0d44);
  const priorityRng = new SeededRng(seed ^ 0x0e55);
  const highShare = options.highPriorityShare ?? 0;
  const rows: GeneratedRow[] = [];
  let t = 0;
  for (let i = 0; i < options.requests; i++) {
    if (i > 0) t += gap();
    const { tenant, weight } = assigner.assign({});
    rows.push({
      arrivalMs: Math.round(t * 1000) / 1000,
      tenant,
      weight,
      promptTokens: prompt(),
      outputTokens: output(),
      priority: priorityRng.next() < highShare ? 1 : 0,
    });
  }
  return rows;
}

export function traceToCsv(rows: readonly GeneratedRow[]): string {
  const lines = [GENERATED_HEADER];
  for (const r of rows) {
    lines.push(
      [r.arrivalMs.toFixed(3), csvField(r.tenant), r.weight, r.promptTokens, r.outputTokens, r.priority].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
