/**
 * The simulator's event queue: a binary min-heap ordered by (time, insertion sequence), so events at
 * the same virtual time run in the order they were scheduled and every run is reproducible. Holds
 * events only; it never interprets them.
 */

export class EventQueue<T> {
  #times: number[] = [];
  #seqs: number[] = [];
  #items: T[] = [];
  #nextSeq = 0;

  get size(): number {
    return this.#items.length;
  }

  /** Time of the earliest event, Infinity when empty. */
  peekTimeMs(): number {
    return this.#items.length === 0 ? Infinity : (this.#times[0] as number);
  }

  push(timeMs: number, item: T): void {
    const times = this.#times;
    const seqs = this.#seqs;
    const items = this.#items;
    const seq = this.#nextSeq++;
    let i = items.length;
    times.push(timeMs);
    seqs.push(seq);
    items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p] as number;
      if (pt < timeMs || (pt === timeMs && (seqs[p] as number) < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p] as number;
      items[i] = items[p] as T;
      i = p;
    }
    times[i] = timeMs;
    seqs[i] = seq;
    items[i] = item;
  }

  /** Removes and returns the earliest event; undefined when empty. */
  pop(): T | undefined {
    const items = this.#items;
    const n = items.length;
    if (n === 0) return undefined;
    const times = this.#times;
    const seqs = this.#seqs;
    const top = items[0] as T;
    const lastT = times.pop() as number;
    const lastS = seqs.pop() as number;
    const lastI = items.pop() as T;
    const m = n - 1;
    if (m === 0) return top;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= m) break;
      const r = c + 1;
      if (r < m) {
        const ct = times[c] as number;
        const rt = times[r] as number;
        if (rt < ct || (rt === ct && (seqs[r] as number) < (seqs[c] as number))) c = r;
      }
      const ct = times[c] as number;
      if (lastT < ct || (lastT === ct && lastS < (seqs[c] as number))) break;
      times[i] = ct;
      seqs[i] = seqs[c] as number;
      items[i] = items[c] as T;
      i = c;
    }
    times[i] = lastT;
    seqs[i] = lastS;
    items[i] = lastI;
    return top;
  }
}
