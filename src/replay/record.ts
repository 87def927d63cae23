/**
 * The one per-request record that both the live replay and the virtual-time simulator produce, and the
 * run-level facts next to it. `summarize()` turns these into the JSON report; nothing else is needed.
 */

export interface RequestRecord {
  readonly id: string;
  readonly tenant: string;
  /** The tenant's fairness weight (service is compared as service / weight). */
  readonly weight: number;
  /** Larger is more urgent; 0 is the default class. */
  readonly priority: number;
  /** When the request reached the system under test (ms on the run's timeline). */
  readonly arrivalMs: number;
  readonly promptTokens: number;
  /** Output tokens generated (for a completed request; the usage count when the server reports one). */
  readonly outputTokens: number;
  /** When each output token (or content delta) was delivered, ascending, same timeline as arrivalMs. */
  readonly tokenTimesMs: readonly number[];
  /** When the request ended (last byte, error or abort). */
  readonly finishMs: number;
  readonly ok: boolean;
  readonly error?: string;
  /** Gateway preemptions this request suffered (engine-internal ones are a run fact). */
  readonly preemptions: number;
  readonly migrations: number;
  /** Prompt and generated tokens prefilled again because of preemption or migration (any source). */
  readonly recomputeTokens: number;
}

export interface RunFacts {
  /** Wall-clock duration of the run. */
  readonly wallMs: number;
  /** Engine-internal (vLLM recompute) preemptions over the run. */
  readonly enginePreemptions?: number;
  /** Virtual time covered (simulator); gives `sim_speedup = virtualSpanMs / wallMs`. */
  readonly virtualSpanMs?: number;
  /** Replay only: actual minus scheduled send time of each request. */
  readonly sendLagsMs?: readonly number[];
  /** Requests in the trace that were never sent (duration or count bound hit). */
  readonly notSent?: number;
}

/** Tokens actually delivered: the generated count when completed, the streamed count otherwise. */
export function deliveredTokens(r: RequestRecord): number {
  return r.ok ? r.outputTokens : r.tokenTimesMs.length;
}
