/**
 * Golden replays: the committed synthetic trace simulated in virtual time must give exactly the
 * committed summaries. Regenerate after an intended behaviour change with
 * `FAIRWAY_UPDATE_GOLDEN=1 npx vitest run test/sim/cluster/golden.test.ts` and review the diff.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTrace } from '../../../src/replay/trace-loader.js';
import { summarizeSimulation } from '../../../src/sim/cluster/report.js';
import { simulateCluster } from '../../../src/sim/cluster/simulator.js';
import { SCHEDULER_POLICIES } from '../../../src/core/scheduler/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TRACE = `${root}traces/synthetic-small.csv`;
const update = process.env['FAIRWAY_UPDATE_GOLDEN'] === '1';

describe('golden replays of traces/synthetic-small.csv (3 x llama2-7b-a10, speed x8)', () => {
  it.each(SCHEDULER_POLICIES)('%s gives exactly the committed summary', async (policy) => {
    const trace = await loadTrace(TRACE, { speed: 8 });
    const result = simulateCluster({
      requests: trace.requests,
      instances: 3,
      preset: 'llama2-7b-a10',
      policy,
      seed: 1,
      wallNowMs: (() => {
        let t = 0;
        return () => (t += 1000);
      })(),
    });
    const json = `${JSON.stringify(summarizeSimulation(result), null, 2)}\n`;
    const path = `${root}traces/golden/synthetic-small.${policy}.summary.json`;
    if (update) await writeFile(path, json);
    expect(json).toBe(await readFile(path, 'utf8'));
  });
});
