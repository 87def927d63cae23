/**
 * Per-request CSV output of a run: one row per RequestRecord with the derived latencies. Formatting only.
 */
import { csvField } from './csv-line.js';
import type { RequestRecord } from './record.js';
import { tpotOf, ttftOf } from './summarize.js';

export const RECORD_CSV_HEADER =
  'id,tenant,weight,priority,arrival_ms,prompt_tokens,output_tokens,deltas,ttft_ms,tpot_ms,e2e_ms,finish_ms,ok,error,preemptions,migrations,recompute_tokens,send_lag_ms';

const num = (x: number | null | undefined): string =>
  x === null || x === undefined ? '' : String(Math.round(x * 1000) / 1000);

/** `sendLagsMs[i]` belongs to `records[i]` when given (replay). */
export function recordsToCsv(records: readonly RequestRecord[], sendLagsMs?: readonly number[]): string {
  const lines = [RECORD_CSV_HEADER];
  records.forEach((r, i) => {
    lines.push(
      [
        csvField(r.id),
        csvField(r.tenant),
        r.weight,
        r.priority,
        num(r.arrivalMs),
        r.promptTokens,
        r.outputTokens,
        r.tokenTimesMs.length,
        num(ttftOf(r)),
        num(r.ok ? tpotOf(r) : null),
        num(r.finishMs - r.arrivalMs),
        num(r.finishMs),
        r.ok,
        csvField(r.error ?? ''),
        r.preemptions,
        r.migrations,
        r.recomputeTokens,
        num(sendLagsMs?.[i]),
      ].join(','),
    );
  });
  return lines.join('\n') + '\n';
}
