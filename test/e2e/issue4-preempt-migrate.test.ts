/**
 * Issue 4, live acceptance 1, through what `npm start` runs (`fairway serve --demo`, here with a config
 * file selecting the `fairway` policy) as a child process: a greedy streamed chat request that the
 * scheduler preempts twice (for higher-priority work on full instances) and migrates once (drain)
 * reaches the client as one unbroken SSE stream, byte-identical in text and token ids to an
 * uninterrupted run, with one id and correct usage. Real sockets on 127.0.0.1 only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_PRESETS } from '../../src/core/engine/presets.js';
import { startSimServer, type SimServer } from '../../src/sim/server.js';
import {
  ADMIN_KEY,
  BATCH_KEY,
  E2E_TENANTS,
  INTERACTIVE_KEY,
  SchedulerWatch,
  adminClient,
  type AdminClient,
  E2E_MODEL,
  greedyStreamBody,
} from './helpers/fairway-stack.js';
import { spawnServeDemo, type FairwayProcess } from './helpers/fairway-process.js';
import { maxGapMs, medianGapMs, openStream, type StreamRecord } from './helpers/sse-stream.js';
import { prefillMs, round, simCounters, waitUntilAsync } from './helpers/timing.js';

const MODEL = E2E_MODEL;
const PRESET = 'llama3-8b-a100';
const MIGRATION_INTERVAL_MS = 50;
/** Event-loop, polling and HTTP slack on a shared 2-core machine. */
const SLACK_MS = 150;

const lowBody = greedyStreamBody('Write a long, careful essay about the history of fair queueing.', 260);

const highBody = (content: string, maxTokens: number) => greedyStreamBody(content, maxTokens, false);

/** The `fairway serve --demo` configuration (YAML is a superset of JSON). */
const demoConfig = {
  server: { host: '127.0.0.1', port: 0, logLevel: 'warn', shutdownGraceMs: 1000 },
  sim: { instances: 2, basePort: 0, preset: PRESET, model: MODEL },
  backends: { healthIntervalMs: 100, metricsIntervalMs: 50 },
  scheduler: {
    policy: 'fairway',
    // One sequence per instance (like vLLM max_num_seqs=1): an instance running one request is full,
    // so a high-priority arrival can only start by preempting the low-priority request.
    maxRunningPerInstance: 1,
    minRunQuantumMs: 200,
    migrationIntervalMs: MIGRATION_INTERVAL_MS,
    priorityAgingMs: 60_000,
  },
  tenants: E2E_TENANTS,
  auth: { anonymous: false },
};

describe('issue 4 live (fairway serve --demo): preempted twice and migrated once, one unbroken identical stream', () => {
  let dir: string | undefined;
  let serve: FairwayProcess<{ url: string; simUrls: string[] }> | undefined;
  let reference: SimServer | undefined;
  let admin: AdminClient | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fairway-e2e-'));
    const file = join(dir, 'fairway.yaml');
    writeFileSync(file, JSON.stringify(demoConfig, null, 2));
    serve = await spawnServeDemo(file, 2, { FAIRWAY_ADMIN_KEY: ADMIN_KEY });
    reference = await startSimServer({ preset: PRESET, model: MODEL });
    admin = adminClient(serve.ready.url);
    await admin.waitForInstances(2);
  }, 30_000);
  afterAll(async () => {
    await serve?.stop();
    await reference?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('returns byte-identical text and token ids with one id and the original usage', async () => {
    const gw = `${serve!.ready.url}/v1/chat/completions`;
    const simUrls = serve!.ready.simUrls;
    const asBatch = { authorization: `Bearer ${BATCH_KEY}` };
    const asInteractive = { authorization: `Bearer ${INTERACTIVE_KEY}` };
    const watch = new SchedulerWatch(admin!);
    watch.start();

    // The uninterrupted run, straight to a simulator with the same model seed, concurrently.
    const direct = openStream(`${reference!.url}/v1/chat/completions`, lowBody);

    // A high-priority filler occupies one instance, so the other one is the only place to preempt.
    const filler = openStream(gw, highBody('Keep talking for a while.', 4000), asInteractive);
    await filler.waitForTokens(3);
    const low = openStream(gw, lowBody, asBatch);
    await low.waitForTokens(25);

    const highs: StreamRecord[] = [];
    for (let i = 1; i <= 2; i++) {
      const high = openStream(gw, highBody(`Urgent question number ${i}.`, 16), asInteractive);
      highs.push(await high.done);
      await low.waitForTokens(low.tokens() + 25);
    }

    // Free the filler's instance, then drain the one the low-priority request runs on: it migrates.
    filler.abort();
    await filler.done.catch(() => undefined);
    const snap = await admin!.scheduler();
    const lowRow = snap.inFlight.find((r) => r.tenant === 'batch');
    expect(lowRow?.preemptions).toBe(2);
    const from = lowRow!.instance;
    const to = from === 'sim-0' ? 'sim-1' : 'sim-0';
    const targetUrl = simUrls[to === 'sim-0' ? 0 : 1]!;
    const otherUrl = simUrls[to === 'sim-0' ? 1 : 0]!;
    await waitUntilAsync(async () => (await simCounters(targetUrl)).running === 0, 2000);
    const targetBefore = await simCounters(targetUrl);
    const drainAtMs = performance.now();
    expect(await admin!.drain(from)).toBe(200);

    const got = await low.done;
    const want = await direct.done;
    await watch.stop();
    // The gateway logged nothing at warn or above (no failed upstream, no broken stream).
    const logged = serve!
      .stderr()
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('fairway: '));
    expect(logged).toEqual([]);
    const targetAfter = await simCounters(targetUrl);

    // One unbroken stream, byte-identical to the uninterrupted run.
    expect(got.status).toBe(200);
    expect(got.errorFrames).toEqual([]);
    expect(got.sawDone).toBe(true);
    expect(got.ids.size).toBe(1);
    expect([...got.objects]).toEqual(['chat.completion.chunk']);
    expect(got.finishReason).toBe('length');
    expect(got.tokenIds.length).toBe(lowBody.max_tokens);
    expect(got.tokenIds).toEqual(want.tokenIds);
    expect(got.text).toBe(want.text);
    expect(got.promptTokenIds).toEqual(want.promptTokenIds);
    const promptTokens = want.usage!.prompt_tokens;
    expect(got.usage).toEqual({
      prompt_tokens: promptTokens,
      completion_tokens: lowBody.max_tokens,
      total_tokens: promptTokens + lowBody.max_tokens,
    });
    for (const h of highs) expect(h.finishReason).toBe('length');

    // The scheduler really preempted it twice (requeued, resumed on the same instance) and then moved it.
    const id = [...got.ids][0]!.replace(/^chatcmpl-/, '');
    const timeline = watch.of(id);
    const states = timeline.map((s) => `${s.state}@${s.instance ?? '-'}#${s.preemptions}(${s.generatedTokens})`);
    const queued = timeline.filter((s) => s.state === 'queued');
    expect(queued.length, states.join(' ')).toBe(2);
    const runs = timeline.filter((s) => s.state === 'running');
    expect(
      runs.map((s) => s.instance),
      states.join(' '),
    ).toEqual([from, from, from, to]);
    const placedOnTargetMs = runs[3]!.atMs - drainAtMs;

    // Seams: the token index where each new run starts, and the stall the client saw there.
    const migratedAt = lowBody.max_tokens - (targetAfter.generationTokens - targetBefore.generationTokens);
    const seamAt = [...queued.map((q) => q.generatedTokens), migratedAt];
    const seamGaps = seamAt.map((k) => got.tokenTimesMs[k]! - got.tokenTimesMs[k - 1]!);
    const drainToFirstTokenMs = got.tokenTimesMs[migratedAt]! - drainAtMs;
    const recomputeTokens = targetAfter.promptTokens - targetBefore.promptTokens;
    const recomputeBudgetMs = prefillMs(ENGINE_PRESETS[PRESET]!, promptTokens + migratedAt);
    console.log(
      JSON.stringify({
        scenario: 'issue4 preempt x2 + drain migration (fairway serve --demo)',
        timeline: states,
        promptTokens,
        seamsAtToken: seamAt,
        steadyGapMs: round(medianGapMs(got.tokenTimesMs)),
        seamGapsMs: seamGaps.map(round),
        resumeAfterHighFinishedMs: highs.map((h, i) => round(got.tokenTimesMs[seamAt[i]!]! - h.tokenTimesMs.at(-1)!)),
        maxGapMs: round(maxGapMs(got.tokenTimesMs)),
        highPriorityTtftMs: highs.map((h) => round(h.tokenTimesMs[0]! - h.sentAtMs)),
        drainToSchedulerPlacedOnTargetMs: round(placedOnTargetMs),
        drainToFirstTokenOnTargetMs: round(drainToFirstTokenMs),
        migrationRecomputeTokens: recomputeTokens,
        migrationPrefixHitTokens: targetAfter.prefixCacheHitsTokens - targetBefore.prefixCacheHitsTokens,
        sameInstancePrefixHitTokens: (await simCounters(otherUrl)).prefixCacheHitsTokens,
      }),
    );
    // Same-instance resumes found the prefix cached; the migration re-prefilled the whole context.
    expect((await simCounters(otherUrl)).prefixCacheHitsTokens).toBeGreaterThan(0);
    expect(recomputeTokens).toBe(promptTokens + migratedAt);
    // The drain moved it within one migration interval plus the recompute.
    expect(placedOnTargetMs).toBeLessThan(MIGRATION_INTERVAL_MS + SLACK_MS);
    expect(drainToFirstTokenMs).toBeLessThan(MIGRATION_INTERVAL_MS + recomputeBudgetMs + SLACK_MS);
  }, 40_000);
});
