/**
 * Weighted Virtual Token Counters (Sheng et al., OSDI'24): one counter per tenant, charged
 * `wIn * prompt / weight` once per request and `wOut / weight` per generated token, lifted on
 * activation so idle tenants cannot bank credit. Owns the numbers only; it never picks requests.
 */
import type { TenantId } from '../ids.js';
import { invariant } from '../invariant.js';
import type { WaitingQueue } from './waiting-queue.js';

export class VtcCounters {
  readonly #counters = new Map<TenantId, number>();
  readonly #weights: Readonly<Record<string, number>>;
  readonly #wIn: number;
  readonly #wOut: number;

  constructor(weights: Readonly<Record<string, number>>, wIn: number, wOut: number) {
    this.#weights = weights;
    this.#wIn = wIn;
    this.#wOut = wOut;
  }

  weight(tenant: TenantId): number {
    return this.#weights[tenant] ?? 1;
  }

  counter(tenant: TenantId): number {
    return this.#counters.get(tenant) ?? 0;
  }

  /** Charges a request's prompt; returns the weighted amount added. */
  chargePrompt(tenant: TenantId, promptTokens: number): number {
    return this.#add(tenant, (this.#wIn * promptTokens) / this.weight(tenant));
  }

  /**
   * Corrects a prompt charge made on an estimate by `deltaTokens` (negative refunds); the counter
   * never drops below 0. Returns the weighted amount applied.
   */
  correctPrompt(tenant: TenantId, deltaTokens: number): number {
    const before = this.counter(tenant);
    const after = Math.max(0, before + (this.#wIn * deltaTokens) / this.weight(tenant));
    invariant(Number.isFinite(after), `VTC correction must be finite, got ${deltaTokens}`);
    this.#counters.set(tenant, after);
    return after - before;
  }

  /** Charges `n` generated tokens; returns the weighted amount added. */
  chargeOutput(tenant: TenantId, n: number): number {
    return this.#add(tenant, (this.#wOut * n) / this.weight(tenant));
  }

  /** Lifts the counter to `floor` if it is below; returns the previous value. */
  lift(tenant: TenantId, floor: number): number {
    const before = this.counter(tenant);
    if (floor > before) this.#counters.set(tenant, floor);
    return before;
  }

  /** Plain copy, in first-seen order. */
  entries(): Array<[TenantId, number]> {
    return [...this.#counters.entries()];
  }

  #add(tenant: TenantId, amount: number): number {
    invariant(amount >= 0 && Number.isFinite(amount), `VTC charge must be finite and >= 0, got ${amount}`);
    this.#counters.set(tenant, this.counter(tenant) + amount);
    return amount;
  }
}

/**
 * VTC activation rule: a tenant about to enter an empty queue of its own is lifted to the smallest
 * counter among the other active tenants, so it cannot bank credit while idle. "Active" here is
 * queued OR in flight, a deliberate widening of the paper's "has waiting requests": at a gateway
 * whose queue is often empty while instances are busy, a returning tenant would otherwise start far
 * below a tenant that is running (not queued) and take the cluster over, preempting it, until it had
 * caught up with that tenant's whole history. Returns the lift when the counter moved.
 */
export function liftOnActivation(
  vtc: VtcCounters,
  queue: WaitingQueue,
  tenant: TenantId,
  active: Iterable<TenantId>,
): { from: number; to: number } | undefined {
  if (queue.tenantSize(tenant) > 0) return undefined;
  let floor = Infinity;
  for (const other of active) if (other !== tenant) floor = Math.min(floor, vtc.counter(other));
  if (floor === Infinity) return undefined;
  const from = vtc.lift(tenant, floor);
  return floor > from ? { from, to: floor } : undefined;
}
