/**
 * Test helpers for the scheduler core: request and event builders over a ManualClock.
 */
import { ManualClock } from '../../../src/core/clock.js';
import { asInstanceId, asRequestId, asTenantId, type InstanceId } from '../../../src/core/ids.js';
import { SeededRng } from '../../../src/core/rng.js';
import {
  createScheduler,
  type SchedulerObservation,
  type SchedulerOptions,
} from '../../../src/core/scheduler/index.js';
import type { SchedDecision, SchedEvent, SchedRequest, Scheduler } from '../../../src/core/scheduler/types.js';

export const inst = asInstanceId;

export function req(
  id: string,
  over: Partial<Omit<SchedRequest, 'id' | 'tenant'>> & { tenant?: string } = {},
): SchedRequest {
  const { tenant, ...rest } = over;
  return {
    id: asRequestId(id),
    tenant: asTenantId(tenant ?? 'a'),
    priority: 0,
    model: 'm',
    promptTokens: 100,
    maxTokens: 100,
    preemptible: true,
    ...rest,
  };
}

export interface Harness {
  readonly clock: ManualClock;
  readonly sched: Scheduler;
  readonly observed: SchedulerObservation[];
  apply(event: SchedEvent): SchedDecision[];
  up(id: string, kvCapacityTokens?: number): void;
  snap(id: string, running: number, waiting: number, kvUsage: number): SchedDecision[];
  arrive(r: SchedRequest): SchedDecision[];
  /** Finishes `id`, reports the instance idle, and returns the ids dispatched in response. */
  finishNext(id: string, instance?: string): string[];
}

export function harness(options: Partial<SchedulerOptions>, seed = 1): Harness {
  const clock = new ManualClock(0);
  const observed: SchedulerObservation[] = [];
  const sched = createScheduler(options, {
    clock,
    rng: new SeededRng(seed),
    observer: { observe: (o) => observed.push(o) },
  });
  const apply = (event: SchedEvent): SchedDecision[] => sched.apply(event);
  return {
    clock,
    sched,
    observed,
    apply,
    up: (id, kvCapacityTokens = 10_000) => void apply({ type: 'instanceUp', instance: inst(id), kvCapacityTokens }),
    snap: (id, running, waiting, kvUsage) =>
      apply({
        type: 'instanceSnapshot',
        snapshot: { instance: inst(id), running, waiting, kvUsage, metricsAtMs: clock.nowMs() },
      }),
    arrive: (r) => apply({ type: 'arrive', request: r }),
    finishNext: (id, instance = 'i1') => {
      const ds = [...apply({ type: 'finished', id: asRequestId(id) })];
      ds.push(
        ...apply({
          type: 'instanceSnapshot',
          snapshot: { instance: inst(instance), running: 0, waiting: 0, kvUsage: 0, metricsAtMs: clock.nowMs() },
        }),
      );
      return dispatchTargets(ds).map(([r]) => r);
    },
  };
}

export function dispatchTargets(ds: readonly SchedDecision[]): Array<[string, InstanceId]> {
  return ds.flatMap((d) => (d.type === 'dispatch' ? [[d.id as string, d.instance] as [string, InstanceId]] : []));
}
