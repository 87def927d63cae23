/**
 * The gateway-held queue: per-tenant FIFOs (continuations first, then arrival order) with priority
 * classes that age. `pick` returns the next request in VTC order (highest effective class, smallest
 * tenant counter) or FCFS order (highest effective class, earliest); it never dispatches anything.
 */
import type { RequestId, TenantId } from '../ids.js';
import { invariant } from '../invariant.js';
import type { RequestRecord } from './request-record.js';

export type QueueOrder = 'fcfs' | 'vtc';

/**
 * Effective class = base class + floor(wait / agingMs). Aging bound: a request of class p that has
 * waited since t0 can only be overtaken by requests (of class <= P) that entered the queue before
 * t0 + (P - p + 1) * agingMs, so under any sustained load of class P it dispatches after finitely many.
 */
export function effectiveClass(rec: RequestRecord, nowMs: number, agingMs: number): number {
  return rec.req.priority + Math.floor(Math.max(0, nowMs - rec.queuedSinceMs) / agingMs);
}

/** FIFO order inside a tenant: continuations first, then arrival sequence, then id. */
function fifoBefore(a: RequestRecord, b: RequestRecord): boolean {
  if (a.continuation !== b.continuation) return a.continuation;
  if (a.seq !== b.seq) return a.seq < b.seq;
  return a.req.id < b.req.id;
}

export class WaitingQueue {
  readonly #byTenant = new Map<TenantId, RequestRecord[]>();
  readonly #ids = new Set<RequestId>();
  /** Queued requests per base priority class (the aging cap and the single-class fast path). */
  readonly #classCounts = new Map<number, number>();

  get size(): number {
    return this.#ids.size;
  }

  tenantSize(tenant: TenantId): number {
    return this.#byTenant.get(tenant)?.length ?? 0;
  }

  has(id: RequestId): boolean {
    return this.#ids.has(id);
  }

  /** Tenants with at least one queued request, in first-seen order. */
  *backlogged(): IterableIterator<TenantId> {
    for (const [tenant, list] of this.#byTenant) if (list.length > 0) yield tenant;
  }

  push(rec: RequestRecord): void {
    invariant(!this.#ids.has(rec.req.id), `${rec.req.id} queued twice`);
    invariant(rec.phase === 'queued', `${rec.req.id} pushed in phase ${rec.phase}`);
    let list = this.#byTenant.get(rec.req.tenant);
    if (list === undefined) {
      list = [];
      this.#byTenant.set(rec.req.tenant, list);
    }
    let at = list.length;
    while (at > 0 && fifoBefore(rec, list[at - 1] as RequestRecord)) at--;
    list.splice(at, 0, rec);
    this.#ids.add(rec.req.id);
    const p = rec.req.priority;
    this.#classCounts.set(p, (this.#classCounts.get(p) ?? 0) + 1);
  }

  remove(rec: RequestRecord): boolean {
    if (!this.#ids.delete(rec.req.id)) return false;
    const list = this.#byTenant.get(rec.req.tenant);
    const at = list?.indexOf(rec) ?? -1;
    invariant(list !== undefined && at >= 0, `${rec.req.id} indexed but not in its tenant list`);
    list.splice(at, 1);
    const p = rec.req.priority;
    const n = (this.#classCounts.get(p) ?? 0) - 1;
    if (n <= 0) this.#classCounts.delete(p);
    else this.#classCounts.set(p, n);
    return true;
  }

  /** Every queued request, tenants in first-seen order, FIFO inside a tenant. */
  *all(): IterableIterator<RequestRecord> {
    for (const list of this.#byTenant.values()) yield* list;
  }

  /**
   * The next request to dispatch, or undefined when empty. Ties break on (effective class, counter,
   * FIFO position, arrival sequence, request id), so the result depends only on state, never on luck.
   * Aging only lifts a request up to the highest base class queued: it exists to get lower classes
   * past higher ones, and must not turn same-class VTC order into FCFS under sustained overload.
   */
  pick(order: QueueOrder, nowMs: number, agingMs: number, counter: (t: TenantId) => number): RequestRecord | undefined {
    if (this.#classCounts.size === 1) return this.#pickSingleClass(order, counter);
    let maxBase = -Infinity;
    for (const p of this.#classCounts.keys()) maxBase = Math.max(maxBase, p);
    let best: RequestRecord | undefined;
    let bestClass = -Infinity;
    let bestCounter = Infinity;
    for (const [tenant, list] of this.#byTenant) {
      const c = order === 'vtc' ? counter(tenant) : 0;
      for (const rec of list) {
        const cls = Math.min(maxBase, effectiveClass(rec, nowMs, agingMs));
        if (best === undefined || cls > bestClass) {
          best = rec;
          bestClass = cls;
          bestCounter = c;
          continue;
        }
        if (cls < bestClass) continue;
        if (order === 'vtc' && c !== bestCounter) {
          if (c < bestCounter) {
            best = rec;
            bestCounter = c;
          }
          continue;
        }
        // Same class (and counter): continuations first, then arrival order, inside and across tenants.
        if (fifoBefore(rec, best)) {
          best = rec;
          bestCounter = c;
        }
      }
    }
    return best;
  }

  /**
   * `pick` when every queued request has the same base class: aging is capped at that class, so all
   * effective classes are equal and each tenant's FIFO head is its best candidate. O(tenants).
   */
  #pickSingleClass(order: QueueOrder, counter: (t: TenantId) => number): RequestRecord | undefined {
    let best: RequestRecord | undefined;
    let bestCounter = Infinity;
    for (const [tenant, list] of this.#byTenant) {
      const head = list[0];
      if (head === undefined) continue;
      const c = order === 'vtc' ? counter(tenant) : 0;
      if (best === undefined || c < bestCounter || (c === bestCounter && fifoBefore(head, best))) {
        best = head;
        bestCounter = c;
      }
    }
    return best;
  }
}
