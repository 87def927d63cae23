/**
 * `fairway sim`: parses flags, starts one simulated vLLM instance, prints its URL and closes it on
 * SIGINT/SIGTERM. The only place in src/sim that touches process.
 */
import { parseArgs } from 'node:util';
import { ENGINE_PRESETS } from '../core/engine/presets.js';
import type { FaultOptions } from './faults.js';
import { startSimServer } from './server.js';
import type { SimServerOptions } from './server.js';

const USAGE = `Usage: fairway sim [--port P] [--host H] [--preset NAME] [--kv-tokens N] [--seed S] [--model NAME]
                  [--max-model-len N] [--scheduling-policy fcfs|priority] [--max-num-seqs N]
                  [--max-num-batched-tokens N] [--crash-after-tokens N] [--stall-ms MS]
                  [--stall-every-tokens N] [--error-rate F] [--fault-seed S]
Presets: ${Object.keys(ENGINE_PRESETS).join(', ')}`;

class UsageError extends Error {}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got ${v}`);
  return n;
}

/** Parses `fairway sim` flags into server options; throws UsageError with a message on bad input. */
export function parseSimArgs(argv: string[]): SimServerOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        preset: { type: 'string' },
        'kv-tokens': { type: 'string' },
        seed: { type: 'string' },
        model: { type: 'string' },
        'max-model-len': { type: 'string' },
        'scheduling-policy': { type: 'string' },
        'max-num-seqs': { type: 'string' },
        'max-num-batched-tokens': { type: 'string' },
        'crash-after-tokens': { type: 'string' },
        'stall-ms': { type: 'string' },
        'stall-every-tokens': { type: 'string' },
        'error-rate': { type: 'string' },
        'fault-seed': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const preset = values.preset;
  if (preset !== undefined && !Object.hasOwn(ENGINE_PRESETS, preset)) throw new UsageError(`unknown preset: ${preset}`);
  const policy = values['scheduling-policy'];
  if (policy !== undefined && policy !== 'fcfs' && policy !== 'priority') {
    throw new UsageError(`--scheduling-policy must be fcfs or priority, got ${policy}`);
  }
  const errorRate = values['error-rate'] === undefined ? undefined : Number(values['error-rate']);
  if (errorRate !== undefined && !(errorRate >= 0 && errorRate <= 1))
    throw new UsageError('--error-rate must be in [0, 1]');
  const faults: Record<string, number> = {};
  const setFault = (k: keyof FaultOptions, v: number | undefined): void => {
    if (v !== undefined) faults[k] = v;
  };
  setFault('crashAfterTokens', int('crash-after-tokens', values['crash-after-tokens']));
  setFault('stallMs', int('stall-ms', values['stall-ms']));
  setFault('stallEveryTokens', int('stall-every-tokens', values['stall-every-tokens']));
  setFault('errorRate', errorRate);
  setFault('seed', int('fault-seed', values['fault-seed']));
  const opts: Record<string, unknown> = {
    host: values.host,
    port: int('port', values.port),
    preset,
    kvTokens: int('kv-tokens', values['kv-tokens']),
    seed: int('seed', values.seed),
    model: values.model,
    maxModelLen: int('max-model-len', values['max-model-len']),
    schedulingPolicy: policy,
    maxNumSeqs: int('max-num-seqs', values['max-num-seqs']),
    maxNumBatchedTokens: int('max-num-batched-tokens', values['max-num-batched-tokens']),
    faults,
  };
  for (const k of Object.keys(opts)) if (opts[k] === undefined) delete opts[k];
  return opts;
}

export async function runSimCommand(argv: string[]): Promise<void> {
  let options: SimServerOptions;
  try {
    options = parseSimArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`fairway sim: ${err.message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const server = await startSimServer(options);
  process.stdout.write(
    `fairway sim listening on ${server.url} (model ${server.model}, preset ${options.preset ?? 'llama3-8b-a100'})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
