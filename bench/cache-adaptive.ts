/**
 * Backend traffic removed by the load-adaptive cache policy and by request coalescing under a
 * simulated overload: one seeded stream of QQP questions with Zipf-distributed repetition and
 * paraphrases, replayed in virtual time against an in-process cache and a fixed-capacity backend
 * model, four times: baseline, `adaptive.enabled` only, coalescing only (the gateway's Coalescer on
 * virtual timeouts), both. Measures only; decides nothing for the gateway.
 *
 * Usage: tsx bench/cache-adaptive.ts [--questions N] [--seed S] [--zipf S] [--capacity RPS]
 *          [--normal-rps R] [--overload-rps R] [--phases A,B,C] [--max-wait-s S]
 *   --questions N  distinct questions in the pool (default 3000), from the report half of QQP dev
 *   --phases A,B,C seconds of normal load, overload, normal load again (default 300,240,300)
 *   --max-wait-s S a follower's longest wait for its leader (default cache.coalesce.maxWaitMs)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../src/config/load.js';
import { ManualClock } from '../src/core/clock.js';
import { asTenantId } from '../src/core/ids.js';
import { SeededRng } from '../src/core/rng.js';
import { adaptPolicy, pressureFrom, type LoadSignal } from '../src/core/cache/index.js';
import { createEmbedder } from '../src/cache/embedders/registry.js';
import { memoEmbedder, readPairs, round, splitOf } from '../src/cache/quality.js';
import { openSemanticCache } from '../src/cache/semantic-cache-open.js';
import type { CacheLookupRequest, CacheTicket } from '../src/cache/semantic-cache-types.js';
import { coalescableTicket, createCoalescer, type Leader, type Timeouts } from '../src/cache/coalescer.js';
import type { CachedAnswer } from '../src/cache/stores/document-store.js';

const { values } = parseArgs({
  options: {
    questions: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '42' },
    zipf: { type: 'string', default: '0.7' },
    capacity: { type: 'string', default: '5' },
    'service-s': { type: 'string', default: '2' },
    'normal-rps': { type: 'string', default: '4' },
    'overload-rps': { type: 'string', default: '28' },
    phases: { type: 'string', default: '300,240,300' },
    'max-wait-s': { type: 'string' },
  },
});
const QUESTIONS = Number(values.questions);
const SEED = Number(values.seed);
const ZIPF_S = Number(values.zipf);
const CAPACITY_RPS = Number(values.capacity);
const SERVICE_MS = Number(values['service-s']) * 1000;
const SLOTS = Math.max(1, Math.round((CAPACITY_RPS * SERVICE_MS) / 1000));
const NORMAL_RPS = Number(values['normal-rps']);
const OVERLOAD_RPS = Number(values['overload-rps']);
const [P1 = 180, P2 = 240, P3 = 300] = values.phases.split(',').map((s) => Number(s) * 1000);
const OVERLOAD_START_MS = P1;
const OVERLOAD_END_MS = P1 + P2;
const END_MS = P1 + P2 + P3;
const QQP = new URL('../../shared/datasets/qqp/qqp-dev.jsonl', import.meta.url).pathname;
const log = (msg: string): void => console.error(`[bench:cache-adaptive] ${msg}`);

if (!existsSync(QQP)) {
  log(`skipping: ${QQP} is absent`);
  process.exit(0);
}

// --- the question pool: label-1 pairs join paraphrase groups (union-find), everything else stays apart ---
const parent = new Map<string, string>();
const find = (x: string): string => {
  let r = x;
  while (parent.get(r) !== r) r = parent.get(r)!;
  parent.set(x, r);
  return r;
};
const add = (x: string): void => void (parent.has(x) || parent.set(x, x));
for (const p of readPairs(QQP)) {
  // the report half only: the verifier's weights were fitted on the other half
  if (splitOf(p) !== 'report') continue;
  if (parent.size >= QUESTIONS) break;
  add(p.a);
  add(p.b);
  if (p.label === 1) parent.set(find(p.a), find(p.b));
}
const texts = [...parent.keys()];
const groupOf = new Map<string, string>(texts.map((t) => [t, find(t)]));
const members = new Map<string, string[]>();
for (const t of texts) members.set(groupOf.get(t)!, [...(members.get(groupOf.get(t)!) ?? []), t]);
const groups = [...members.values()];
log(
  `pool: ${texts.length} questions in ${groups.length} groups (${groups.filter((g) => g.length > 1).length} with paraphrases)`,
);

// --- the stream: Poisson arrivals (normal, overload, normal), groups drawn Zipf, a phrasing uniformly ---
const rng = new SeededRng(SEED);
const order = groups.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = rng.int(i + 1);
  [order[i], order[j]] = [order[j]!, order[i]!];
}
const cumulative: number[] = [];
let total = 0;
for (let r = 0; r < order.length; r++) cumulative.push((total += 1 / Math.pow(r + 1, ZIPF_S)));
const drawGroup = (): string[] => {
  const u = rng.next() * total;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return groups[order[lo]!]!;
};
const rateAt = (tMs: number): number => (tMs >= OVERLOAD_START_MS && tMs < OVERLOAD_END_MS ? OVERLOAD_RPS : NORMAL_RPS);
interface Arrival {
  readonly atMs: number;
  readonly text: string;
}
const arrivals: Arrival[] = [];
for (let t = 0; ;) {
  t += (-Math.log(1 - rng.next()) / rateAt(t)) * 1000;
  if (t >= END_MS) break;
  const g = drawGroup();
  arrivals.push({ atMs: t, text: g[rng.int(g.length)]! });
}
log(`stream: ${arrivals.length} requests, ${new Set(arrivals.map((a) => a.text)).size} distinct questions`);

// --- embeddings once, batched, shared by both runs ---
const use = memoEmbedder(createEmbedder('use', { maxThreads: 1 }));
const t0 = performance.now();
await use.prefetch(texts);
const embedSeconds = (performance.now() - t0) / 1000;
log(`embedded ${texts.length} questions in ${embedSeconds.toFixed(1)} s`);

const config = resolveConfig({ cache: { enabled: true, mechanism: { dataDir: null, embedder: 'use' } } });
const QUEUE_CAPACITY = config.scheduler.maxQueued;
const SAMPLE_MS = config.cache.mechanism.loadSampleIntervalMs;
const MAX_WAIT_MS =
  values['max-wait-s'] === undefined ? config.cache.coalesce.maxWaitMs : Number(values['max-wait-s']) * 1000;
const MAX_FOLLOWERS = config.cache.coalesce.maxFollowers;

/** The coalescer's timeouts on the bench's virtual clock: the run loop fires them as events. */
class VirtualTimeouts implements Timeouts {
  #clock: ManualClock;
  #timers: { atMs: number; fire: () => void; live: boolean }[] = [];
  constructor(clock: ManualClock) {
    this.#clock = clock;
  }
  after(ms: number, fire: () => void): () => void {
    const t = { atMs: this.#clock.nowMs() + ms, fire, live: true };
    this.#timers.push(t);
    return () => void (t.live = false);
  }
  nextMs(): number {
    this.#timers = this.#timers.filter((t) => t.live);
    return this.#timers.reduce((m, t) => Math.min(m, t.atMs), Number.POSITIVE_INFINITY);
  }
  fireDue(nowMs: number): void {
    const due = this.#timers.filter((t) => t.live && t.atMs <= nowMs).sort((a, b) => a.atMs - b.atMs);
    this.#timers = this.#timers.filter((t) => t.live && t.atMs > nowMs);
    for (const t of due) t.fire();
  }
}

const ANSWER: CachedAnswer = {
  responseText: 'answer',
  tokenIds: null,
  finishReason: 'stop',
  usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
  model: 'm',
};
/** Lets the followers' promise callbacks (answers, releases) run at the current virtual time. */
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function sectionWith(adaptive: boolean): typeof config.cache {
  const categories: typeof config.cache.categories = Object.fromEntries(
    Object.entries(config.cache.categories).map(([name, c]) => [
      name,
      { ...c, adaptive: { ...c.adaptive, enabled: adaptive } },
    ]),
  );
  return { ...config.cache, categories };
}

const requestOf = (text: string): CacheLookupRequest => ({
  tenant: asTenantId('bench'),
  model: 'm',
  messages: [{ role: 'user', content: text }],
  temperature: 0,
  sampling: { model: 'm', temperature: 0 },
});

interface Counts {
  requests: number;
  backend: number;
  hits: number;
  falseHits: number;
  semanticHits: number;
  semanticFalseHits: number;
  /** Misses by what was known: a paraphrase's answer stored, the same text still at the backend, neither. */
  missParaphraseStored: number;
  missSamePending: number;
  missNew: number;
  /** Requests answered by joining an identical in-flight leader (coalescing runs only). */
  coalesced: number;
  /** Followers released without an answer (leader dropped, maxWaitMs) that went to the backend. */
  released: number;
}
const emptyCounts = (): Counts => ({
  requests: 0,
  backend: 0,
  hits: 0,
  falseHits: 0,
  semanticHits: 0,
  semanticFalseHits: 0,
  missParaphraseStored: 0,
  missSamePending: 0,
  missNew: 0,
  coalesced: 0,
  released: 0,
});

type Lead = Leader<CachedAnswer> | null;

async function run(adaptive: boolean, coalesce: boolean) {
  const started = performance.now();
  const clock = new ManualClock(0);
  const timeouts = new VirtualTimeouts(clock);
  const coalescer = coalesce
    ? createCoalescer<CachedAnswer>({ maxWaitMs: MAX_WAIT_MS, maxFollowers: MAX_FOLLOWERS, timeouts })
    : null;
  const waiting: { ticket: CacheTicket | null; arrivedMs: number; text: string; leader: Lead }[] = [];
  const inFlight: { doneMs: number; ticket: CacheTicket | null; text: string; leader: Lead }[] = [];
  const pending = new Map<string, number>();
  const storedInGroup = new Map<string, Set<string>>();
  const signal = (): LoadSignal => ({
    queueDepth: waiting.length,
    queueCapacity: QUEUE_CAPACITY,
    freeness: 1 - inFlight.length / SLOTS,
  });
  const cache = await openSemanticCache(sectionWith(adaptive), { clock, embedder: use, loadProbe: signal });
  const policy = sectionWith(adaptive);
  const phases = { normalBefore: emptyCounts(), overload: emptyCounts(), normalAfter: emptyCounts() };
  const overall = emptyCounts();
  const byCategory: Record<string, { hits: number; falseHits: number }> = {};
  // hits served only because the threshold was lowered (score below the configured threshold)
  const belowConfigured = {
    hits: 0,
    falseHits: 0,
    falseSamples: [] as { asked: string; served: string; score: number }[],
  };
  let dropped = 0;
  let maxQueue = 0;
  const waits: number[] = [];
  const coalescedWaits: number[] = [];
  const trace: { tS: number; pressure: number; level: number; thresholds: Record<string, number> }[] = [];
  const minThreshold: Record<string, number> = {};
  let engagedAtMs: number | null = null;
  let releasedAtMs: number | null = null;
  let queueDrainedMs: number | null = null;
  let nextSampleMs = SAMPLE_MS;
  let i = 0;
  const start = (ticket: CacheTicket | null, arrivedMs: number, text: string, nowMs: number, leader: Lead): void => {
    waits.push(nowMs - arrivedMs);
    inFlight.push({ doneMs: nowMs + SERVICE_MS, ticket, text, leader });
  };
  /** A request the cache did not answer goes to a free slot, else the FIFO queue, else is dropped. */
  const toBackend = (ticket: CacheTicket | null, text: string, arrivedMs: number, leader: Lead, counts: Counts[]) => {
    const nowMs = clock.nowMs();
    pending.set(text, (pending.get(text) ?? 0) + 1);
    if (inFlight.length < SLOTS) {
      for (const c of counts) c.backend += 1;
      start(ticket, arrivedMs, text, nowMs, leader);
    } else if (waiting.length < QUEUE_CAPACITY) {
      for (const c of counts) c.backend += 1;
      waiting.push({ ticket, arrivedMs, text, leader });
      maxQueue = Math.max(maxQueue, waiting.length);
    } else {
      dropped += 1;
      pending.set(text, (pending.get(text) ?? 1) - 1);
      leader?.fail(); // its followers go to the backend themselves, as in the gateway
    }
  };
  for (;;) {
    const nextArrival = arrivals[i]?.atMs ?? Number.POSITIVE_INFINITY;
    const nextDone = inFlight[0]?.doneMs ?? Number.POSITIVE_INFINITY;
    const nextTimer = timeouts.nextMs();
    const nowMs = Math.min(nextArrival, nextDone, nextSampleMs, nextTimer);
    // a backlog that never drains stops the run 10 minutes (virtual) after the stream ends
    if (nowMs >= END_MS + 600_000) break;
    clock.set(nowMs);
    if (nowMs === nextDone) {
      // completion: the answer is stored when the backend finishes it, then the next queued request starts
      const done = inFlight.shift()!;
      pending.set(done.text, (pending.get(done.text) ?? 1) - 1);
      const g = groupOf.get(done.text)!;
      storedInGroup.set(g, (storedInGroup.get(g) ?? new Set()).add(done.text));
      if (done.ticket !== null) {
        await cache.store(done.ticket, {
          answer: ANSWER,
          response: { status: 200, finishReason: 'stop', error: false },
        });
      }
      // the gateway hands the answer to the followers where it offers it to the cache
      done.leader?.finish(ANSWER);
      const next = waiting.shift();
      if (next !== undefined) start(next.ticket, next.arrivedMs, next.text, nowMs, next.leader);
    } else if (nowMs === nextTimer) {
      timeouts.fireDue(nowMs);
    } else if (nowMs === nextSampleMs) {
      // the gateway's timer: one load sample from the probe (queue depth, freeness), sweeps when due
      nextSampleMs += SAMPLE_MS;
      await cache.tick();
      const level = cache.loadLevel();
      const thresholds: Record<string, number> = {};
      for (const [name, c] of Object.entries(policy.categories)) {
        const sim = adaptPolicy(name, c, level).similarity;
        thresholds[name] = round(sim);
        minThreshold[name] = Math.min(minThreshold[name] ?? Number.POSITIVE_INFINITY, sim);
      }
      if (level > 0 && engagedAtMs === null) engagedAtMs = nowMs;
      if (level === 0 && engagedAtMs !== null && releasedAtMs === null && nowMs >= OVERLOAD_END_MS)
        releasedAtMs = nowMs;
      if (queueDrainedMs === null && nowMs >= OVERLOAD_END_MS && waiting.length === 0) queueDrainedMs = nowMs;
      if (nowMs % 5000 === 0) {
        trace.push({ tS: nowMs / 1000, pressure: round(pressureFrom(signal())), level: round(level), thresholds });
      }
      if (nowMs >= END_MS && inFlight.length === 0 && waiting.length === 0 && (coalescer?.stats().followers ?? 0) === 0)
        break;
    } else {
      const a = arrivals[i++]!;
      const phase =
        a.atMs < OVERLOAD_START_MS
          ? phases.normalBefore
          : a.atMs < OVERLOAD_END_MS
            ? phases.overload
            : phases.normalAfter;
      const out = await cache.lookup(requestOf(a.text));
      for (const c of [phase, overall]) c.requests += 1;
      if (out.kind === 'hit') {
        const wrong = groupOf.get(out.answer.query) !== groupOf.get(a.text);
        const semantic = out.tier !== 'exact';
        for (const c of [phase, overall]) {
          c.hits += 1;
          if (wrong) c.falseHits += 1;
          if (semantic) c.semanticHits += 1;
          if (semantic && wrong) c.semanticFalseHits += 1;
        }
        if (out.score < policy.categories[out.ticket.category]!.similarity) {
          belowConfigured.hits += 1;
          if (wrong) belowConfigured.falseHits += 1;
          if (wrong && belowConfigured.falseSamples.length < 10)
            belowConfigured.falseSamples.push({ asked: a.text, served: out.answer.query, score: round(out.score) });
        }
        const cat = (byCategory[out.ticket.category] ??= { hits: 0, falseHits: 0 });
        cat.hits += 1;
        if (wrong) cat.falseHits += 1;
        continue;
      }
      if (out.kind === 'unknown-category') throw new Error(`unknown category ${out.name}`);
      const ticket = out.ticket;
      const answered = storedInGroup.get(groupOf.get(a.text)!);
      const kind =
        (pending.get(a.text) ?? 0) > 0
          ? 'missSamePending'
          : answered !== undefined && [...answered].some((t) => t !== a.text)
            ? 'missParaphraseStored'
            : 'missNew';
      for (const c of [phase, overall]) c[kind] += 1;
      const counts = [phase, overall];
      const joinable = coalescer === null ? null : coalescableTicket(cache.policy, out);
      let leader: Lead = null;
      if (joinable !== null && coalescer !== null) {
        const role = coalescer.lead(joinable.exactKey);
        if (role.role === 'follower') {
          void role.answer.then((answer) => {
            if (answer !== null) {
              for (const c of counts) c.coalesced += 1;
              coalescedWaits.push(clock.nowMs() - a.atMs);
              return;
            }
            for (const c of counts) c.released += 1;
            const again = coalescer.lead(joinable.exactKey, { join: false });
            toBackend(ticket, a.text, a.atMs, again.role === 'leader' ? again : null, counts);
          });
          continue;
        }
        if (role.role === 'leader') leader = role;
      }
      toBackend(ticket, a.text, a.atMs, leader, counts);
    }
    if (coalescer !== null) await flush();
  }
  coalescer?.close();
  await cache.close();
  const precision = (c: Counts) => ({
    ...c,
    hitRate: round(c.hits / Math.max(1, c.requests)),
    precision: round(c.hits === 0 ? 1 : 1 - c.falseHits / c.hits),
    semanticPrecision: round(c.semanticHits === 0 ? 1 : 1 - c.semanticFalseHits / c.semanticHits),
  });
  const pctOf = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return (q: number): number =>
      round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) / 1000);
  };
  const pct = pctOf(waits);
  const cpct = pctOf(coalescedWaits);
  const result = {
    adaptive,
    coalesce,
    overall: precision(overall),
    phases: {
      normalBefore: precision(phases.normalBefore),
      overload: precision(phases.overload),
      normalAfter: precision(phases.normalAfter),
    },
    hitsByCategory: byCategory,
    hitsBelowConfiguredThreshold: belowConfigured,
    droppedQueueFull: dropped,
    maxQueueDepth: maxQueue,
    queueWaitS: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
    coalescedWaitS: { p50: cpct(0.5), p99: cpct(0.99), max: cpct(1) },
    adaptation: {
      firstEngagedS: engagedAtMs === null ? null : engagedAtMs / 1000,
      minThreshold: Object.fromEntries(Object.entries(minThreshold).map(([k, v]) => [k, round(v)])),
      configuredThreshold: Object.fromEntries(Object.entries(policy.categories).map(([k, c]) => [k, c.similarity])),
      queueDrainedAfterOverloadS: queueDrainedMs === null ? null : (queueDrainedMs - OVERLOAD_END_MS) / 1000,
      recoveredAfterOverloadS: releasedAtMs === null ? null : (releasedAtMs - OVERLOAD_END_MS) / 1000,
      recoveredAfterQueueDrainedS:
        releasedAtMs === null || queueDrainedMs === null ? null : (releasedAtMs - queueDrainedMs) / 1000,
    },
    trace,
    wallSeconds: round((performance.now() - started) / 1000),
  };
  log(
    `adaptive=${adaptive} coalesce=${coalesce}: backend ${overall.backend}/${overall.requests} (overload ${phases.overload.backend}/${phases.overload.requests}), coalesced ${overall.coalesced}, precision ${result.overall.precision}, ${result.wallSeconds} s`,
  );
  return result;
}

const off = await run(false, false);
const on = await run(true, false);
const co = await run(false, true);
const both = await run(true, true);
await use.close();

const removed = (a: number, b: number): number => round(a === 0 ? 0 : (a - b) / a);
type Run = typeof off;
/** Share of the baseline's backend requests a variant removed, in the overload window and over the run. */
const removedVs = (x: Run) => ({
  overloadWindow: removed(off.phases.overload.backend, x.phases.overload.backend),
  overall: removed(off.overall.backend, x.overall.backend),
  backend: { overloadWindow: x.phases.overload.backend, overall: x.overall.backend },
});
/** Where the removed backend requests went: more exact hits (answers stored sooner), more true or false semantic hits. */
const breakdown = (x: Counts, y: Counts) => ({
  backendRemoved: x.backend - y.backend,
  extraExactHits: y.hits - y.semanticHits - (x.hits - x.semanticHits),
  extraTrueSemanticHits: y.semanticHits - y.semanticFalseHits - (x.semanticHits - x.semanticFalseHits),
  extraFalseSemanticHits: y.semanticFalseHits - x.semanticFalseHits,
});
const result = {
  command: `tsx bench/cache-adaptive.ts ${process.argv.slice(2).join(' ')}`.trim(),
  node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
  commit: (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })(),
  date: new Date().toISOString(),
  setup: {
    pairsFile: '../shared/datasets/qqp/qqp-dev.jsonl (report half, from the top)',
    questions: texts.length,
    groups: groups.length,
    paraphraseGroups: groups.filter((g) => g.length > 1).length,
    seed: SEED,
    zipfS: ZIPF_S,
    requests: arrivals.length,
    distinctQuestionsAsked: new Set(arrivals.map((a) => a.text)).size,
    phasesS: { normal: P1 / 1000, overload: P2 / 1000, normalAfter: P3 / 1000 },
    offeredRps: { normal: NORMAL_RPS, overload: OVERLOAD_RPS },
    backend: { capacityRps: CAPACITY_RPS, slots: SLOTS, serviceS: SERVICE_MS / 1000, queueCapacity: QUEUE_CAPACITY },
    loadSampleMs: SAMPLE_MS,
    load: config.cache.load,
    coalesce: { maxWaitMs: MAX_WAIT_MS, maxFollowers: MAX_FOLLOWERS, key: 'exact-tier key (CacheTicket.exactKey)' },
    embedder: 'use (memoized, batched 64)',
    embedSeconds: round(embedSeconds),
  },
  baselineBackend: { overloadWindow: off.phases.overload.backend, overall: off.overall.backend },
  removed: { adaptiveOnly: removedVs(on), coalescingOnly: removedVs(co), both: removedVs(both) },
  removedByAdaptive: {
    overall: removed(off.overall.backend, on.overall.backend),
    overloadWindow: removed(off.phases.overload.backend, on.phases.overload.backend),
    breakdownOverall: breakdown(off.overall, on.overall),
    breakdownOverloadWindow: breakdown(off.phases.overload, on.phases.overload),
  },
  runs: { baseline: off, adaptive: on, coalescing: co, both },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/cache-adaptive.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
for (const [name, r] of Object.entries(result.removed)) {
  log(`removed by ${name}: overload window ${r.overloadWindow}, overall ${r.overall}`);
}
log('wrote bench/results/cache-adaptive.json');
