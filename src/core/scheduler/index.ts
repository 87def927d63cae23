/**
 * Public surface of the scheduler core: the factory, its options, the observer and the contract types.
 * Mechanism code imports from here only.
 */
export { createScheduler, type SchedulerDeps } from './scheduler.js';
export {
  DEFAULT_SCHEDULER_OPTIONS,
  resolveSchedulerOptions,
  SCHEDULER_POLICIES,
  type SchedulerOptions,
  type SchedulerPolicy,
} from './options.js';
export {
  NOOP_SCHEDULER_OBSERVER,
  type RequestOutcome,
  type SchedulerObservation,
  type SchedulerObserver,
} from './observer.js';
export type * from './types.js';
