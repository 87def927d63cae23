/**
 * A real gateway (in-process `startGateway`, policy `fairway`) in front of given simulator URLs on
 * 127.0.0.1, with two API-key tenants (`batch`, priority ceiling 0, and `interactive`, ceiling 5) and
 * an admin key; an admin API client; and `SchedulerWatch`, which records what the scheduler did to
 * each request by polling GET /admin/scheduler. Nothing here decides anything for the gateway.
 */
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../../../src/config/load.js';
import { startGateway, type RunningGateway } from '../../../src/serve.js';
import { sha256Hex } from '../../../src/gateway/tenancy.js';
import type { SchedulerSnapshot } from '../../../src/core/scheduler/types.js';

/** The model the demo simulators serve. */
export const E2E_MODEL = 'fairway-sim-8b';

/** A greedy streamed chat body that never stops early, so its text and token ids are reproducible. */
export function greedyStreamBody(content: string, maxTokens: number, includeUsage = true) {
  return {
    model: E2E_MODEL,
    messages: [{ role: 'user', content }],
    max_tokens: maxTokens,
    temperature: 0,
    ignore_eos: true,
    stream: true,
    ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
    return_token_ids: true,
  };
}

export const ADMIN_KEY = 'e2e-admin-key';
export const BATCH_KEY = 'e2e-batch-key';
export const INTERACTIVE_KEY = 'e2e-interactive-key';

export interface InstanceSpec {
  readonly id: string;
  readonly url: string;
  readonly kvCapacityTokens: number;
}

/** The gateway's admin API (behind the admin key). */
export interface AdminClient {
  readonly url: string;
  scheduler(): Promise<SchedulerSnapshot>;
  /** POST /admin/instances/:id/drain (or undrain); returns the HTTP status. */
  drain(instance: string, on?: boolean): Promise<number>;
  /** Resolves once the scheduler knows `count` instances, all up (bounded wait). */
  waitForInstances(count: number, timeoutMs?: number): Promise<void>;
}

export interface FairwayStack extends AdminClient {
  readonly gateway: RunningGateway;
  close(): Promise<void>;
}

export function adminClient(url: string, adminKey = ADMIN_KEY): AdminClient {
  const headers = { authorization: `Bearer ${adminKey}` };
  const admin: AdminClient = {
    url,
    async scheduler() {
      const res = await fetch(`${url}/admin/scheduler`, { headers });
      if (res.status !== 200) throw new Error(`GET /admin/scheduler answered ${res.status}`);
      return (await res.json()) as SchedulerSnapshot;
    },
    async drain(instance, on = true) {
      const res = await fetch(`${url}/admin/instances/${instance}/${on ? 'drain' : 'undrain'}`, {
        method: 'POST',
        headers,
      });
      await res.arrayBuffer();
      return res.status;
    },
    async waitForInstances(count, timeoutMs = 15_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const snap = await admin.scheduler();
        if (snap.instances.length === count && snap.instances.every((i) => i.up)) return;
        if (performance.now() > deadline) throw new Error(`gateway did not see ${count} instances up in time`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  return admin;
}

/** The tenants every e2e config uses: `batch` (ceiling 0) and `interactive` (ceiling 5, default 5). */
export const E2E_TENANTS = [
  { id: 'batch', weight: 1, maxPriority: 0, apiKeySha256: [sha256Hex(BATCH_KEY)] },
  { id: 'interactive', weight: 1, maxPriority: 5, defaultPriority: 5, apiKeySha256: [sha256Hex(INTERACTIVE_KEY)] },
];

export async function startFairwayStack(
  instances: readonly InstanceSpec[],
  scheduler: Record<string, unknown>,
  backends: Record<string, unknown> = {},
): Promise<FairwayStack> {
  const config = resolveConfig({
    server: { host: '127.0.0.1', port: 0, logLevel: 'error', shutdownGraceMs: 1000 },
    backends: { healthIntervalMs: 100, metricsIntervalMs: 50, ...backends, instances },
    scheduler: { policy: 'fairway', ...scheduler },
    tenants: E2E_TENANTS,
    auth: { anonymous: false, adminKeySha256: sha256Hex(ADMIN_KEY) },
  });
  const gateway = await startGateway(config);
  const stack: FairwayStack = { ...adminClient(gateway.url), gateway, close: () => gateway.close() };
  await stack.waitForInstances(instances.length);
  return stack;
}

/** One observed state of a request in the scheduler (admin API), stamped with performance.now(). */
export interface RequestState {
  readonly atMs: number;
  readonly state: 'queued' | 'running' | 'stopping' | 'gone';
  readonly instance: string | null;
  readonly preemptions: number;
  readonly generatedTokens: number;
}

/**
 * Polls GET /admin/scheduler every `everyMs` and keeps, per request id, the states it passed through
 * (a new entry whenever state, instance or preemption count changes).
 */
export class SchedulerWatch {
  readonly #stack: AdminClient;
  readonly #everyMs: number;
  readonly timelines = new Map<string, RequestState[]>();
  #stopped = false;
  #loop: Promise<void> | null = null;

  constructor(stack: AdminClient, everyMs = 10) {
    this.#stack = stack;
    this.#everyMs = everyMs;
  }

  start(): void {
    this.#loop = (async () => {
      while (!this.#stopped) {
        const snap = await this.#stack.scheduler().catch(() => null);
        if (snap === null) break; // the gateway is gone
        const atMs = performance.now();
        const seen = new Set<string>();
        for (const q of snap.queued) {
          seen.add(q.id);
          this.#note(q.id, {
            atMs,
            state: 'queued',
            instance: null,
            preemptions: -1,
            generatedTokens: q.generatedTokens,
          });
        }
        for (const r of snap.inFlight) {
          seen.add(r.id);
          this.#note(r.id, {
            atMs,
            state: r.phase === 'stopping' ? 'stopping' : 'running',
            instance: r.instance,
            preemptions: r.preemptions,
            generatedTokens: r.generatedTokens,
          });
        }
        for (const id of this.timelines.keys()) {
          if (!seen.has(id))
            this.#note(id, { atMs, state: 'gone', instance: null, preemptions: -1, generatedTokens: -1 });
        }
        await new Promise((r) => setTimeout(r, this.#everyMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  /** The request's timeline (empty if never seen). */
  of(id: string): readonly RequestState[] {
    return this.timelines.get(id) ?? [];
  }

  #note(id: string, s: RequestState): void {
    const list = this.timelines.get(id) ?? [];
    const last = list.at(-1);
    if (last !== undefined && last.state === s.state && last.instance === s.instance) {
      if (s.preemptions === last.preemptions || s.preemptions === -1) return;
    }
    if (last === undefined && s.state === 'gone') return;
    list.push(s);
    this.timelines.set(id, list);
  }
}
