/**
 * Issue 4, live acceptance 3: killing a simulator process mid-stream (SIGKILL of a child process,
 * and separately the simulator's `crashAfterTokens` fault) completes every affected stream on
 * another instance with zero client-visible errors: finish_reason, the full token count, no error
 * frame, and text identical to an uninterrupted run. Real processes and sockets on 127.0.0.1.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/server.js';
import {
  BATCH_KEY,
  E2E_MODEL,
  greedyStreamBody,
  startFairwayStack,
  type FairwayStack,
} from './helpers/fairway-stack.js';
import { spawnSim, type FairwayProcess } from './helpers/fairway-process.js';
import {
  maxGapBetweenMs,
  maxGapMs,
  medianGapMs,
  openStream,
  type OpenStream,
  type StreamRecord,
} from './helpers/sse-stream.js';
import { round } from './helpers/timing.js';

const MODEL = E2E_MODEL;
const PRESET = 'llama3-8b-a100';
const MAX_TOKENS = 160;

const body = (tag: string, i: number) =>
  greedyStreamBody(`Survive the crash (${tag}), request ${i}, and keep writing.`, MAX_TOKENS);

/** Checks a stream against its uninterrupted run: complete, unbroken, identical. */
function expectIdentical(got: StreamRecord, want: StreamRecord): void {
  expect(got.status).toBe(200);
  expect(got.errorBody).toBeNull();
  expect(got.errorFrames).toEqual([]);
  expect(got.sawDone).toBe(true);
  expect(got.ids.size).toBe(1);
  expect(got.finishReason).toBe('length');
  expect(got.tokenIds.length).toBe(MAX_TOKENS);
  expect(got.tokenIds).toEqual(want.tokenIds);
  expect(got.text).toBe(want.text);
  const { prompt_tokens, completion_tokens, total_tokens } = want.usage!;
  expect(got.usage).toEqual({ prompt_tokens, completion_tokens, total_tokens });
}

interface Scenario {
  readonly stack: FairwayStack;
  /** Instance id of the doomed simulator. */
  readonly doomed: string;
  readonly survivor: SimServer;
  readonly reference: SimServer;
  /** Brings the doomed simulator down; resolves at the moment of the crash (performance.now()). */
  crash(): Promise<number>;
}

/**
 * Four streams start on the doomed instance (the survivor is drained while they arrive), two more
 * on the survivor afterwards; the doomed one crashes mid-stream. Returns the measurements.
 */
async function crashMidStream(tag: string, sc: Scenario): Promise<Record<string, unknown>> {
  const gw = `${sc.stack.url}/v1/chat/completions`;
  const auth = { authorization: `Bearer ${BATCH_KEY}` };
  const survivorId = sc.doomed === 'sim-0' ? 'sim-1' : 'sim-0';
  const wants = Array.from({ length: 6 }, (_, i) =>
    openStream(`${sc.reference.url}/v1/chat/completions`, body(tag, i)),
  );
  expect(await sc.stack.drain(survivorId)).toBe(200);
  const affected: OpenStream[] = [];
  for (let i = 0; i < 4; i++) affected.push(openStream(gw, body(tag, i), auth));
  for (const s of affected) await s.waitForTokens(3);
  expect(await sc.stack.drain(survivorId, false)).toBe(200);
  const bystanders = [4, 5].map((i) => openStream(gw, body(tag, i), auth));
  for (const s of [...affected, ...bystanders]) await s.waitForTokens(30);
  const snap = await sc.stack.scheduler();
  const placement = snap.inFlight.map((r) => r.instance).sort();
  expect(placement).toEqual([sc.doomed, sc.doomed, sc.doomed, sc.doomed, survivorId, survivorId].sort());

  const survivorPromptBefore = sc.survivor.stats().counters.promptTokens;
  const crashAtMs = await sc.crash();
  const got = await Promise.all([...affected, ...bystanders].map((s) => s.done));
  const want = await Promise.all(wants.map((s) => s.done));
  got.forEach((g, i) => expectIdentical(g, want[i]!));

  const seamGaps = got.slice(0, 4).map((g) => maxGapBetweenMs(g.tokenTimesMs, crashAtMs, crashAtMs + 3000));
  const resumedAt = got.slice(0, 4).map((g) => g.tokenTimesMs.find((t) => t > crashAtMs)! - crashAtMs);
  const after = await sc.stack.scheduler();
  return {
    scenario: `issue4 crash (${tag})`,
    crashToFirstTokenOnSurvivorMs: resumedAt.map(round),
    seamGapMs: seamGaps.map(round),
    steadyGapMs: round(medianGapMs(got[0]!.tokenTimesMs)),
    bystanderMaxGapMs: got.slice(4).map((g) => round(maxGapMs(g.tokenTimesMs))),
    recomputeTokensOnSurvivor: sc.survivor.stats().counters.promptTokens - survivorPromptBefore,
    doomedUpAfter: after.instances.find((i) => i.id === sc.doomed)?.up,
  };
}

describe('issue 4 live: a simulator dies mid-stream and every stream still completes', () => {
  let child: FairwayProcess<{ url: string }> | undefined;
  let survivor: SimServer | undefined;
  let reference: SimServer | undefined;
  let stack: FairwayStack | undefined;

  beforeAll(async () => {
    child = await spawnSim(['--preset', PRESET, '--model', MODEL]);
    survivor = await startSimServer({ preset: PRESET, model: MODEL });
    reference = await startSimServer({ preset: PRESET, model: MODEL });
    const kv = survivor.stats().totalBlocks * 16;
    stack = await startFairwayStack(
      [
        { id: 'sim-0', url: child.ready.url, kvCapacityTokens: kv },
        { id: 'sim-1', url: survivor.url, kvCapacityTokens: kv },
      ],
      {},
    );
  }, 30_000);
  afterAll(async () => {
    child?.kill('SIGKILL');
    await child?.exited;
    await stack?.close();
    await Promise.all([survivor, reference].flatMap((s) => (s === undefined ? [] : [s.close()])));
  });

  it('completes every stream of a SIGKILLed simulator process on the other instance, with no error', async () => {
    const numbers = await crashMidStream('sigkill', {
      stack: stack!,
      doomed: 'sim-0',
      survivor: survivor!,
      reference: reference!,
      async crash() {
        const at = performance.now();
        child!.kill('SIGKILL');
        await child!.exited;
        return at;
      },
    });
    console.log(JSON.stringify(numbers));
    expect(numbers.doomedUpAfter).toBe(false);
  }, 40_000);
});

describe('issue 4 live: the crashAfterTokens fault mid-stream', () => {
  let doomed: SimServer | undefined;
  let survivor: SimServer | undefined;
  let reference: SimServer | undefined;
  let stack: FairwayStack | undefined;

  beforeAll(async () => {
    doomed = await startSimServer({ preset: PRESET, model: MODEL });
    survivor = await startSimServer({ preset: PRESET, model: MODEL });
    reference = await startSimServer({ preset: PRESET, model: MODEL });
    const kv = survivor.stats().totalBlocks * 16;
    stack = await startFairwayStack(
      [
        { id: 'sim-0', url: survivor.url, kvCapacityTokens: kv },
        { id: 'sim-1', url: doomed.url, kvCapacityTokens: kv },
      ],
      {},
    );
  }, 30_000);
  afterAll(async () => {
    await stack?.close();
    await Promise.all([doomed, survivor, reference].flatMap((s) => (s === undefined ? [] : [s.close()])));
  });

  it('completes every stream of a crashed simulator on the other instance, with no error', async () => {
    const numbers = await crashMidStream('crashAfterTokens', {
      stack: stack!,
      doomed: 'sim-1',
      survivor: survivor!,
      reference: reference!,
      async crash() {
        // Crash a few decode steps from now, through the simulator's own fault API.
        const generated = doomed!.stats().counters.generationTokens;
        const res = await fetch(`${doomed!.url}/sim/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ crashAfterTokens: generated + 20 }),
        });
        expect(res.status).toBe(200);
        const deadline = performance.now() + 5000;
        while (!doomed!.crashed && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
        expect(doomed!.crashed).toBe(true);
        return performance.now();
      },
    });
    console.log(JSON.stringify(numbers));
    expect(numbers.doomedUpAfter).toBe(false);
  }, 40_000);
});
