/**
 * Request coalescing for identical in-flight questions (the thundering herd): the first cache miss for
 * an exact key leads (goes upstream), later identical misses follow and await the leader's answer.
 * Mechanism only: what may coalesce is the cache policy's call (`coalescableTicket`), and the only
 * timing is the injected `Timeouts` helper (a real one in the gateway, a virtual one in tests/benches).
 */
import type { CachePolicy, CacheResponse } from '../core/cache/index.js';
import type { CacheTicket, LookupOutcome } from './semantic-cache-types.js';

/** Schedules `fire` after `ms`; returns the cancel function. */
export interface Timeouts {
  after(ms: number, fire: () => void): () => void;
}

/** Wall-clock timeouts for the gateway: unref'd, one duration for all, so Node keeps them in one list. */
export const realTimeouts: Timeouts = {
  after(ms, fire) {
    const t = setTimeout(fire, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface CoalescerOptions {
  /** Longest a follower waits for its leader before it is released (null) to go upstream itself. */
  readonly maxWaitMs: number;
  /** Followers one leader may carry; further identical requests go upstream on their own. */
  readonly maxFollowers: number;
  readonly timeouts: Timeouts;
}

/** Why a follower got no answer (for logs and metrics; the caller goes upstream in every case). */
export type ReleaseReason = 'leader-failed' | 'timeout' | 'left' | 'closed';

export interface Leader<T> {
  readonly role: 'leader';
  readonly key: string;
  /** Hands the answer to every follower; later calls (and `fail` after it) do nothing. */
  finish(answer: T): void;
  /** Releases every follower with null (error, truncated or inadmissible answer, abort); idempotent. */
  fail(): void;
}

export interface Follower<T> {
  readonly role: 'follower';
  readonly key: string;
  /** The leader's answer, or null when released (see `reason`). Never rejects. */
  readonly answer: Promise<T | null>;
  /** Why the answer is null, once it is; null before release and after an answer. */
  reason(): ReleaseReason | null;
  /** Stops waiting (the follower's client went away); resolves `answer` with null. The leader is unaffected. */
  leave(): void;
}

/** The key already has a leader carrying `maxFollowers`, or joining was not asked for: go upstream alone. */
export interface Solo {
  readonly role: 'solo';
  readonly key: string;
}

export type Role<T> = Leader<T> | Follower<T> | Solo;

interface Waiter<T> {
  settle(answer: T | null, reason: ReleaseReason | null): void;
}

interface Flight<T> {
  readonly waiters: Set<Waiter<T>>;
}

export interface CoalescerStats {
  /** Keys with a leader upstream now. */
  readonly leaders: number;
  /** Followers waiting now, over all keys. */
  readonly followers: number;
}

export class Coalescer<T> {
  #opts: CoalescerOptions;
  #flights = new Map<string, Flight<T>>();
  #followers = 0;

  constructor(opts: CoalescerOptions) {
    if (!(opts.maxWaitMs > 0)) throw new RangeError(`Coalescer: maxWaitMs must be > 0, got ${opts.maxWaitMs}`);
    if (!(opts.maxFollowers >= 0))
      throw new RangeError(`Coalescer: maxFollowers must be >= 0, got ${opts.maxFollowers}`);
    this.#opts = opts;
  }

  /**
   * Leads `key` when nobody does, else follows the leader (when `join` and it has room), else solo.
   * A released follower calls again with `join: false`: it goes upstream, leading if the key is free.
   */
  lead(key: string, options: { readonly join?: boolean } = {}): Role<T> {
    const flight = this.#flights.get(key);
    if (flight === undefined) return this.#leader(key);
    if (options.join === false || flight.waiters.size >= this.#opts.maxFollowers) return { role: 'solo', key };
    return this.#follower(key, flight);
  }

  stats(): CoalescerStats {
    return { leaders: this.#flights.size, followers: this.#followers };
  }

  /** Releases every follower with null (shutdown); leaders' later finish/fail calls do nothing. */
  close(): void {
    const flights = [...this.#flights.values()];
    this.#flights.clear();
    for (const f of flights) for (const w of [...f.waiters]) w.settle(null, 'closed');
  }

  #leader(key: string): Leader<T> {
    const flight: Flight<T> = { waiters: new Set() };
    this.#flights.set(key, flight);
    const end = (answer: T | null): void => {
      // a leader settles its own flight only (after close() a new leader may hold the key)
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
      const waiters = [...flight.waiters];
      for (const w of waiters) w.settle(answer, answer === null ? 'leader-failed' : null);
    };
    return { role: 'leader', key, finish: (answer) => end(answer), fail: () => end(null) };
  }

  #follower(key: string, flight: Flight<T>): Follower<T> {
    let resolve!: (v: T | null) => void;
    const answer = new Promise<T | null>((r) => (resolve = r));
    let released: ReleaseReason | null = null;
    let cancelTimer: () => void = () => undefined;
    const waiter: Waiter<T> = {
      settle: (value, reason) => {
        if (!flight.waiters.delete(waiter)) return;
        this.#followers -= 1;
        cancelTimer();
        released = value === null ? (reason ?? 'leader-failed') : null;
        resolve(value);
      },
    };
    flight.waiters.add(waiter);
    this.#followers += 1;
    cancelTimer = this.#opts.timeouts.after(this.#opts.maxWaitMs, () => waiter.settle(null, 'timeout'));
    return {
      role: 'follower',
      key,
      answer,
      reason: () => released,
      leave: () => waiter.settle(null, 'left'),
    };
  }
}

export const createCoalescer = <T>(opts: CoalescerOptions): Coalescer<T> => new Coalescer<T>(opts);

/** A response that passes every answer-side check: asks the policy whether a request could be stored. */
const STORABLE: CacheResponse = { status: 200, finishReason: 'stop', error: false };

/**
 * The ticket of a lookup outcome that may coalesce, else null: only a plain miss (a request that read
 * the cache, so opt-outs and `no-cache`/`no-store` never join) whose answer the policy would store
 * (category TTL > 0, temperature within the bound, ...).
 */
export function coalescableTicket(policy: CachePolicy, outcome: LookupOutcome | null): CacheTicket | null {
  if (outcome?.kind !== 'miss') return null;
  const t = outcome.ticket;
  return policy.isAdmissible(t.request, STORABLE, t.category).admit ? t : null;
}

/** Whether a leader's finished answer may be handed to followers: exactly when the cache would store it. */
export function isServable(policy: CachePolicy, ticket: CacheTicket, response: CacheResponse): boolean {
  return policy.isAdmissible(ticket.request, response, ticket.category).admit;
}
