/**
 * Test doubles for the gateway: an in-memory backend whose greedy output is a pure function of the
 * token context (so continuations can be checked exactly), a fleet over such backends, and a
 * scripted scheduler for driving preemption and migration by hand.
 */
import { asInstanceId, type InstanceId, type RequestId } from '../../src/core/ids.js';
import type {
  BackendClient,
  GenerationDelta,
  InstanceMetrics,
  ModelCard,
  UpstreamGeneration,
} from '../../src/core/ports.js';
import type { SchedDecision, SchedEvent, Scheduler, SchedulerSnapshot } from '../../src/core/scheduler/types.js';
import type { FleetView } from '../../src/gateway/deps.js';
import { FairwayError } from '../../src/errors.js';
import { idleMetrics } from '../../src/backends/metrics-scraper.js';

export const MODEL = 'test-model';

/** Whitespace-separated words -> ids (hash), deterministic. */
export function toIds(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => [...w].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 50_000, 7));
}

/** The next token is a pure function of the last three tokens of the context. */
export function nextToken(context: readonly number[]): number {
  const n = context.length;
  return ((context[n - 1] ?? 1) * 7 + (context[n - 2] ?? 3) * 13 + (context[n - 3] ?? 5) * 17 + n) % 1000;
}

export const wordOf = (id: number) => ` w${id}`;

/** What the fake engine generates, uninterrupted, for a prompt. */
export function expectedTokens(prompt: string, n: number): number[] {
  const ctx = toIds(prompt);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = nextToken(ctx);
    ctx.push(t);
    out.push(t);
  }
  return out;
}

interface FakeBackendOptions {
  readonly id: string;
  /** Delay between tokens in ms (real time; 0 = as fast as possible). */
  readonly tokenDelayMs?: number;
  /** Fail with a connection reset after this many tokens in one stream. */
  readonly failAfterTokens?: number;
  readonly returnTokenIds?: boolean;
}

export class FakeBackend implements BackendClient {
  readonly id: InstanceId;
  readonly baseUrl: string;
  readonly requests: UpstreamGeneration[] = [];
  healthy = true;
  #opts: FakeBackendOptions;

  constructor(opts: FakeBackendOptions) {
    this.id = asInstanceId(opts.id);
    this.baseUrl = `fake://${opts.id}`;
    this.#opts = opts;
  }

  promptIds(req: UpstreamGeneration): number[] {
    const body = req.body;
    if (req.endpoint === 'chat') {
      const msgs = body.messages as { content: string }[];
      return toIds(msgs.map((m) => m.content).join(' '));
    }
    const prompt = body.prompt;
    if (typeof prompt === 'string') return toIds(prompt);
    return [...(prompt as number[])];
  }

  async *generate(req: UpstreamGeneration, signal?: AbortSignal): AsyncIterable<GenerationDelta> {
    this.requests.push(req);
    if (req.body.model !== MODEL) throw new FairwayError('FW_ERR_MODEL_NOT_FOUND', { model: String(req.body.model) });
    const context = this.promptIds(req);
    const promptLen = context.length;
    const max = (req.body.max_tokens as number | undefined) ?? 16;
    const withIds = this.#opts.returnTokenIds ?? true;
    if (req.stream === false) {
      const ids: number[] = [];
      for (let i = 0; i < max; i++) {
        const t = nextToken(context);
        ids.push(t);
        context.push(t);
      }
      await Promise.resolve();
      if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      yield {
        text: ids.map(wordOf).join(''),
        tokenIds: withIds ? ids : null,
        promptTokenIds: withIds ? context.slice(0, promptLen) : null,
        finishReason: 'length',
        stopReason: null,
        usage: { prompt_tokens: promptLen, completion_tokens: max, total_tokens: promptLen + max },
      };
      return;
    }
    for (let i = 0; i < max; i++) {
      if (this.#opts.tokenDelayMs !== undefined && this.#opts.tokenDelayMs > 0) {
        await new Promise((r) => setTimeout(r, this.#opts.tokenDelayMs));
      } else {
        await Promise.resolve();
      }
      if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      if (this.#opts.failAfterTokens !== undefined && i >= this.#opts.failAfterTokens) {
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      const t = nextToken(context);
      context.push(t);
      yield {
        text: wordOf(t),
        tokenIds: withIds ? [t] : null,
        promptTokenIds: i === 0 && withIds ? context.slice(0, promptLen) : null,
        finishReason: i === max - 1 ? 'length' : null,
        stopReason: null,
        usage: null,
      };
    }
    yield {
      text: '',
      tokenIds: null,
      promptTokenIds: null,
      finishReason: null,
      stopReason: null,
      usage: { prompt_tokens: promptLen, completion_tokens: max, total_tokens: promptLen + max },
    };
  }

  tokenize(): Promise<{ tokens: number[]; count: number }> {
    return Promise.resolve({ tokens: [], count: 0 });
  }
  models(): Promise<ModelCard[]> {
    return Promise.resolve([{ id: MODEL, object: 'model', created: 0, owned_by: 'test', max_model_len: 4096 }]);
  }
  metrics(): Promise<InstanceMetrics> {
    return Promise.resolve(idleMetrics());
  }
  health(): Promise<boolean> {
    return Promise.resolve(this.healthy);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export function fakeFleet(backends: readonly FakeBackend[]): FleetView & { failures: string[] } {
  const failures: string[] = [];
  return {
    failures,
    models: () => [{ id: MODEL, object: 'model', created: 0, owned_by: 'test', max_model_len: 4096 }],
    anyHealthy: () => backends.some((b) => b.healthy),
    client: (id) => backends.find((b) => b.id === id),
    instanceFailed: (id) => {
      failures.push(id);
    },
  };
}

/** A dispatch decision to a fake instance, streaming token progress unless overridden. */
export function dispatchTo(
  id: RequestId,
  instance: string,
  resume: boolean,
  over: { readonly vllmPriority?: number; readonly streamTokens?: boolean } = {},
): SchedDecision {
  return {
    type: 'dispatch',
    id,
    instance: asInstanceId(instance),
    vllmPriority: 0,
    streamTokens: true,
    resume,
    ...over,
  };
}

/**
 * A scheduler driven by a script: every event is recorded, and `onEvent` returns the decisions.
 * Lets a test preempt or migrate at an exact token.
 */
export class ScriptedScheduler implements Scheduler {
  readonly events: SchedEvent[] = [];
  constructor(readonly onEvent: (e: SchedEvent, self: ScriptedScheduler) => SchedDecision[]) {}
  apply(event: SchedEvent): SchedDecision[] {
    this.events.push(event);
    return this.onEvent(event, this);
  }
  tick(): SchedDecision[] {
    return [];
  }
  snapshot(): SchedulerSnapshot {
    return { events: this.events.length } as unknown as SchedulerSnapshot;
  }
  tokensOf(id: RequestId): number {
    let n = 0;
    for (const e of this.events) if (e.type === 'tokens' && e.id === id) n += e.n;
    return n;
  }
}
