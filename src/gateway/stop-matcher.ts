/**
 * Stop strings owned by the gateway. A continuation resumes on a fresh upstream request whose stop
 * check sees only its own output, and vLLM never sends the text it held back as a possible stop prefix
 * when the request is aborted, so a stop string that spans a preemption seam would be missed or its
 * prefix lost. For streamed attempts the gateway therefore strips `stop` upstream and matches here, over
 * the whole output: vLLM's rules (earliest match ending in the new text, only past `min_tokens`, the
 * last `longest stop - 1` characters held back while streaming). Pure; no I/O.
 */

export interface StopPush {
  /** Text the client may see now. */
  readonly emit: string;
  /** The stop string matched by this push (generation ends), or null. */
  readonly stop: string | null;
}

export class StopMatcher {
  readonly #stops: readonly string[];
  readonly #holdChars: number;
  readonly #includeStop: boolean;
  /** Received text not yet emitted: at most `#holdChars` characters between pushes. */
  #pending = '';

  constructor(stops: readonly string[], includeStop = false) {
    this.#stops = stops.filter((s) => s.length > 0);
    this.#holdChars = this.#stops.reduce((m, s) => Math.max(m, s.length - 1), 0);
    this.#includeStop = includeStop;
  }

  /** Feeds new upstream text; `mayStop` is false while fewer than `min_tokens` + 1 tokens exist. */
  push(text: string, mayStop: boolean): StopPush {
    const buf = this.#pending + text;
    if (mayStop) {
      let at = -1;
      let hit: string | null = null;
      for (const s of this.#stops) {
        const i = buf.indexOf(s, Math.max(0, buf.length - text.length - s.length + 1));
        if (i >= 0 && (hit === null || i < at)) {
          at = i;
          hit = s;
        }
      }
      if (hit !== null) {
        this.#pending = '';
        return { emit: buf.slice(0, this.#includeStop ? at + hit.length : at), stop: hit };
      }
    }
    const keep = Math.min(buf.length, this.#holdChars);
    this.#pending = buf.slice(buf.length - keep);
    return { emit: buf.slice(0, buf.length - keep), stop: null };
  }

  /** The held-back tail, once generation ended without a stop string. */
  flush(): string {
    const rest = this.#pending;
    this.#pending = '';
    return rest;
  }
}

/** The request's stop strings (`stop`: a string or a list), empty when none. */
export function stopStringsOf(body: Readonly<Record<string, unknown>>): string[] {
  const stop = body.stop;
  if (typeof stop === 'string') return stop.length > 0 ? [stop] : [];
  if (Array.isArray(stop)) return stop.filter((s): s is string => typeof s === 'string' && s.length > 0);
  return [];
}
