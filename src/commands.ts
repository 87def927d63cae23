/**
 * The `fairway` subcommands: a thin shell that parses the subcommand and calls a library function.
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
import { isFairwayError } from './errors.js';

const USAGE = `fairway: a fair, preempting, caching front door for vLLM

Usage:
  fairway serve [--config FILE] [--demo]     the gateway (--demo: in front of simulated instances)
  fairway sim --port P [--preset NAME] [--kv-tokens N] [--seed S] [--model NAME]
                                             a simulated vLLM instance over vLLM's HTTP API
  fairway config check FILE                  validate a configuration file, listing every violation
  fairway keys hash KEY                      the SHA-256 digest of an API key, for tenants[].apiKeySha256
  fairway replay ...                         replay a trace against an OpenAI-compatible endpoint
  fairway trace gen ...                      generate a synthetic trace
  fairway simulate --trace FILE --policy P ...
                                             virtual-time cluster simulation of one scheduler policy
  fairway compare --trace FILE --policies LIST ...
                                             the same trace and seed under several policies, one table
  fairway cache eval --pairs FILE [--embedder NAME] [--json]
                                             cache precision / recall / false hits on labelled pairs
  fairway cache calibrate --pairs FILE --target-precision P
                                             per-category thresholds and precision/recall curves
  fairway help                               this text

Run a subcommand with --help for its options.`;

type Command = (argv: string[]) => Promise<number | void>;

const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve-cli.js')).runServeCommand,
  sim: async () => (await import('./sim/cli.js')).runSimCommand,
  config: async () => (await import('./config/cli.js')).runConfigCommand,
  keys: async () => {
    const { sha256Hex } = await import('./gateway/tenancy.js');
    return (argv) => {
      if (argv[0] !== 'hash' || argv.length !== 2) {
        process.stderr.write('usage: fairway keys hash KEY\n');
        return Promise.resolve(2);
      }
      process.stdout.write(`${sha256Hex(argv[1]!)}\n`);
      return Promise.resolve(0);
    };
  },
  replay: async () => (await import('./replay/cli.js')).runReplayCommand,
  cache: async () => (await import('./cache/cli.js')).runCacheCommand,
  simulate: async () => (await import('./sim/cluster-cli.js')).runSimulateCommand,
  compare: async () => (await import('./sim/cluster-cli.js')).runCompareCommand,
  trace: async () => {
    const { runTraceGenCommand } = await import('./replay/cli.js');
    return async (argv) => {
      if (argv[0] !== 'gen') {
        process.stderr.write('usage: fairway trace gen [options]\n');
        return 2;
      }
      return runTraceGenCommand(argv.slice(1));
    };
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (load === undefined) {
    process.stderr.write(`fairway: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const code = await (await load())(rest);
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    if (isFairwayError(error)) {
      process.stderr.write(`fairway: ${error.code}: ${error.message}\n`);
      return error.code === 'FW_ERR_CONFIG_INVALID' || error.code === 'FW_ERR_CLI_USAGE' ? 2 : 1;
    }
    process.stderr.write(`fairway: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
