/**
 * `fairway serve [--config FILE] [--demo]`. With --demo (what `npm start` runs) it first starts
 * `sim.instances` simulated vLLM instances in this process and puts the gateway in front of them.
 */
import { parseArgs } from 'node:util';
import { loadConfig, resolveConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { FairwayError } from './errors.js';
import { startGateway } from './serve.js';
import { startSimServer, type SimServer } from './sim/server.js';

const HELP = `usage: fairway serve [--config FILE] [--demo]

  --config FILE   YAML configuration (see README "Configuration"); env FAIRWAY_HOST, FAIRWAY_PORT,
                  FAIRWAY_LOG_LEVEL override it
  --demo          start sim.instances simulated vLLM instances and serve in front of them; without
                  --config it also turns the semantic cache on (USE embedder, lmdb under .fairway-data/)`;

/** The demo's cache: on, persisted under .fairway-data/cache (git-ignored). */
export function withDemoCache(config: Config): Config {
  const raw = structuredClone(config) as unknown as {
    cache: { enabled: boolean; mechanism: { dataDir: string | null } };
  };
  raw.cache.enabled = true;
  raw.cache.mechanism.dataDir ??= '.fairway-data/cache';
  return resolveConfig(raw);
}

export async function startDemoSims(config: Config): Promise<{ sims: SimServer[]; config: Config }> {
  const sims: SimServer[] = [];
  for (let i = 0; i < config.sim.instances; i++) {
    sims.push(
      await startSimServer({
        host: '127.0.0.1',
        port: config.sim.basePort === 0 ? 0 : config.sim.basePort + i,
        preset: config.sim.preset,
        seed: config.sim.seed,
        model: config.sim.model,
        ...(config.sim.kvTokens !== undefined ? { kvTokens: config.sim.kvTokens } : {}),
      }),
    );
  }
  const instances = [
    ...config.backends.instances,
    ...sims.map((s, i) => ({ id: `sim-${i}`, url: s.url, kvCapacityTokens: s.stats().totalBlocks * 16 })),
  ];
  const raw = structuredClone(config) as unknown as { backends: { instances: unknown[] } };
  raw.backends.instances = instances;
  return { sims, config: resolveConfig(raw) };
}

export async function runServeCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, demo: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
    }));
  } catch (e) {
    throw new FairwayError('FW_ERR_CLI_USAGE', { detail: `${(e as Error).message}\n${HELP}` });
  }
  if (values.help === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  let config = loadConfig(values.config);
  let sims: SimServer[] = [];
  if (values.demo === true) ({ sims, config } = await startDemoSims(config));
  if (values.demo === true && values.config === undefined) config = withDemoCache(config);
  if (config.backends.instances.length === 0) {
    throw new FairwayError('FW_ERR_CONFIG_INVALID', {
      detail: '  /backends/instances: no instances configured (use --demo to try fairway with simulated ones)',
    });
  }
  const gateway = await startGateway(config);
  for (const s of sims) process.stderr.write(`fairway: simulated vLLM instance at ${s.url}\n`);
  if (config.cache.enabled) {
    process.stderr.write(`fairway: semantic cache on (embedder ${config.cache.mechanism.embedder})\n`);
  }
  process.stderr.write(`fairway: gateway listening on ${gateway.url} (try: curl ${gateway.url}/v1/models)\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`fairway: ${signal}: draining in-flight requests\n`);
      void gateway
        .close()
        .then(() => Promise.all(sims.map((s) => s.close())))
        .then(() => resolve());
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
