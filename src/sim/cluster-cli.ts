/**
 * `fairway simulate` and `fairway compare`: argument parsing, trace loading and load scaling around the
 * virtual-time cluster simulator, a text table or the JSON contract (docs/reports.md) on stdout.
 * Usage errors are FW_ERR_CLI_USAGE; the command table maps them to exit code 2.
 */
import { parseArgs } from 'node:util';
import { findPreset } from '../core/engine/index.js';
import { SeededRng } from '../core/rng.js';
import { SCHEDULER_POLICIES, type SchedulerOptions, type SchedulerPolicy } from '../core/scheduler/index.js';
import { TRACE_FORMATS } from '../replay/trace-format.js';
import { loadTrace, scaleTraceToRate, type LoadedTrace } from '../replay/trace-loader.js';
import { cliNumber, cliUsage, traceLoadOptions } from '../replay/trace-args.js';
import { measureCapacity, type Capacity } from './cluster/capacity.js';
import { summarizeSimulation, type SimSummary } from './cluster/report.js';
import { simulateCluster, type SimTraceRequest } from './cluster/simulator.js';

export interface CliIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

const usage = cliUsage;
const num = cliNumber;

const COMMON_HELP = `  --trace FILE            BurstGPT v1/v2/v3, Azure LLM 2023, generic CSV or JSONL (auto-detected)
  --format F              force the format: ${TRACE_FORMATS.join(', ')}
  --instances N           simulated vLLM instances (default 4)
  --preset NAME           engine preset (default llama3-8b-a100; llama3-8b-h100, llama3-70b-h100-tp4,
                          llama2-7b-a10, opt-13b-a100-distserve, zero-cost)
  --kv-tokens N           override the preset's KV capacity per instance
  --max-batched-tokens N  engine per-step token budget (vLLM --max-num-batched-tokens, default 8192)
  --seed S                seed for prompts, tenants and the scheduler (default 1)
  --load RHO | --rate R | --speed X
                          scale arrivals to RHO x the measured cluster capacity, to R req/s, or by X
  --window START:END      keep rows in [START, END) seconds after the trace's first row
  --max-requests N        keep at most the first N requests
  --keep-failed           keep rows with 0 response tokens (dropped by default)
  --tenants SPEC          name:weight:share,... assign rows to tenants by share (seeded)
  --zipf-tenants K[:S]    K tenants with Zipf(S, default 1.1) shares
  --priority-rule RULE    Column=Value[:priority],... (e.g. Model=GPT-4)
  --high-priority-share F put a seeded share F of requests in priority class 1
  --rtt-ms MS             gateway <-> instance round trip (default 0.5)
  --scrape-ms MS          metrics scrape interval (default 50)
  --sched JSON            scheduler option overrides, e.g. '{"preemptGapTokens":2048}'
  --json                  print JSON instead of a table`;

const SIMULATE_HELP = `usage: fairway simulate --trace FILE [options]

Discrete-event, virtual-time simulation of a cluster behind the fairway scheduler.

  --policy P              ${SCHEDULER_POLICIES.join(', ')} (default least-loaded)
${COMMON_HELP}`;

const COMPARE_HELP = `usage: fairway compare --trace FILE [options]

Simulates the same trace and seed under several policies and prints one table.

  --policies LIST         comma-separated (default ${SCHEDULER_POLICIES.join(',')})
${COMMON_HELP}`;

const s = { type: 'string' } as const;
const b = { type: 'boolean' } as const;
const OPTIONS = {
  trace: s,
  format: s,
  instances: s,
  preset: s,
  'kv-tokens': s,
  'max-batched-tokens': s,
  seed: s,
  load: s,
  rate: s,
  speed: s,
  window: s,
  'max-requests': s,
  'keep-failed': b,
  tenants: s,
  'zipf-tenants': s,
  'priority-rule': s,
  'high-priority-share': s,
  'rtt-ms': s,
  'scrape-ms': s,
  sched: s,
  json: b,
  help: b,
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string } & {
  policy?: string;
  policies?: string;
};

function parse(argv: string[], extra: 'policy' | 'policies', help: string): Values {
  try {
    return parseArgs({ args: argv, options: { ...OPTIONS, [extra]: s }, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw usage(`${(e as Error).message}\n${help}`);
  }
}

function policyOf(text: string): SchedulerPolicy {
  if (!(SCHEDULER_POLICIES as readonly string[]).includes(text)) {
    throw usage(`unknown policy "${text}" (one of ${SCHEDULER_POLICIES.join(', ')})`);
  }
  return text as SchedulerPolicy;
}

/** A prepared run: the loaded, scaled trace and everything the simulator needs but the policy. */
export interface PreparedRun {
  readonly requests: SimTraceRequest[];
  readonly instances: number;
  readonly preset: string;
  readonly seed: number;
  readonly kvTokens?: number;
  readonly maxBatchedTokens?: number;
  readonly rttMs?: number;
  readonly scrapeMs?: number;
  readonly scheduler: Partial<SchedulerOptions>;
  readonly capacity: Capacity | null;
  readonly load: number | null;
  readonly trace: LoadedTrace;
}

async function prepare(v: Values, help: string): Promise<PreparedRun> {
  if (typeof v.trace !== 'string') throw usage(`--trace is required\n${help}`);
  const preset = v.preset ?? 'llama3-8b-a100';
  if (findPreset(preset) === undefined) throw usage(`--preset: unknown preset "${preset}"`);
  const instances = num('instances', v.instances, (n) => Number.isInteger(n) && n >= 1 && n <= 1024) ?? 4;
  const seed = num('seed', v.seed, Number.isInteger) ?? 1;
  const kvTokens = num('kv-tokens', v['kv-tokens'], (n) => Number.isInteger(n) && n >= 16);
  const maxBatchedTokens = num('max-batched-tokens', v['max-batched-tokens'], (n) => Number.isInteger(n) && n >= 16);
  const load = num('load', v.load);
  const rate = num('rate', v.rate);
  const speed = num('speed', v.speed);
  if ([load, rate, speed].filter((x) => x !== undefined).length > 1) throw usage('give one of --load, --rate, --speed');
  const maxRequests = num('max-requests', v['max-requests'], (n) => Number.isInteger(n) && n > 0);
  const hiShare = num('high-priority-share', v['high-priority-share'], (n) => n >= 0 && n <= 1);
  let scheduler: Partial<SchedulerOptions> = {};
  if (v.sched !== undefined) {
    try {
      scheduler = JSON.parse(v.sched) as Partial<SchedulerOptions>;
    } catch {
      throw usage('--sched must be a JSON object of scheduler options');
    }
  }
  const loadOptions = traceLoadOptions(v, seed, { speed, rate, maxRequests });

  let trace = await loadTrace(v.trace, loadOptions);
  const toSim = (t: LoadedTrace): SimTraceRequest[] => {
    const rng = new SeededRng((seed ^ 0x5bd1e995) >>> 0);
    return t.requests.map((r, index) => ({
      index,
      arrivalMs: r.arrivalMs,
      promptTokens: r.promptTokens,
      outputTokens: r.outputTokens,
      tenant: r.tenant,
      weight: r.weight,
      priority: hiShare !== undefined ? (rng.next() < hiShare ? 1 : 0) : r.priority,
      ...(r.sessionId !== undefined ? { sessionId: r.sessionId } : {}),
    }));
  };
  let capacity: Capacity | null = null;
  if (load !== undefined) {
    capacity = measureCapacity({
      requests: toSim(trace),
      instances,
      preset,
      traceKey: JSON.stringify([v.trace, loadOptions]),
      seed,
      ...(kvTokens !== undefined ? { kvTokens } : {}),
      ...(maxBatchedTokens !== undefined ? { maxBatchedTokens } : {}),
    });
    if (!(capacity.reqPerS > 0)) throw usage('could not measure the cluster capacity on this trace (too short?)');
    trace = scaleTraceToRate(trace, load * capacity.reqPerS);
  }
  const rttMs = num('rtt-ms', v['rtt-ms'], (n) => n >= 0);
  const scrapeMs = num('scrape-ms', v['scrape-ms']);
  return {
    requests: toSim(trace),
    instances,
    preset,
    seed,
    ...(kvTokens !== undefined ? { kvTokens } : {}),
    ...(maxBatchedTokens !== undefined ? { maxBatchedTokens } : {}),
    ...(rttMs !== undefined ? { rttMs } : {}),
    ...(scrapeMs !== undefined ? { scrapeMs } : {}),
    scheduler,
    capacity,
    load: load ?? null,
    trace,
  };
}

/** Runs one policy on a prepared run and summarizes it. */
export function runPolicy(run: PreparedRun, policy: SchedulerPolicy, wallNowMs?: () => number): SimSummary {
  const result = simulateCluster({
    requests: run.requests,
    instances: run.instances,
    preset: run.preset,
    policy,
    seed: run.seed,
    scheduler: run.scheduler,
    ...(run.kvTokens !== undefined ? { kvTokens: run.kvTokens } : {}),
    ...(run.maxBatchedTokens !== undefined ? { maxBatchedTokens: run.maxBatchedTokens } : {}),
    ...(run.rttMs !== undefined ? { networkRttMs: run.rttMs } : {}),
    ...(run.scrapeMs !== undefined ? { scrapeIntervalMs: run.scrapeMs } : {}),
    ...(wallNowMs !== undefined ? { wallNowMs } : {}),
  });
  return summarizeSimulation(result);
}

function describe(run: PreparedRun): Record<string, unknown> {
  const st = run.trace.stats;
  return {
    trace: run.trace.path,
    format: run.trace.format,
    instances: run.instances,
    preset: run.preset,
    seed: run.seed,
    load: run.load,
    capacity_req_s: run.capacity === null ? null : Math.round(run.capacity.reqPerS * 1000) / 1000,
    rate_req_s: Math.round(st.meanRateReqPerS * 1000) / 1000,
    speed: Math.round(st.speed * 1e6) / 1e6,
  };
}

function banner(cmd: string, run: PreparedRun, io: CliIo): void {
  const st = run.trace.stats;
  const cap = run.capacity === null ? '' : `, capacity ${run.capacity.reqPerS.toFixed(2)} req/s, load ${run.load}`;
  io.stderr.write(
    `fairway ${cmd}: ${run.trace.format} trace ${run.trace.path}: ${st.kept} requests over ${(st.spanMs / 1000).toFixed(1)} s ` +
      `(${st.meanRateReqPerS.toFixed(2)} req/s${cap}), ${run.instances} x ${run.preset}\n`,
  );
}

const f = (x: number | null, d = 1): string => (x === null ? '-' : x.toFixed(d));

const COLUMNS: ReadonlyArray<readonly [string, (s: SimSummary) => string]> = [
  ['ttft p50', (x) => f(x.ttft_ms.p50)],
  ['ttft p90', (x) => f(x.ttft_ms.p90)],
  ['ttft p99', (x) => f(x.ttft_ms.p99)],
  ['hi p99', (x) => f(x.classes['1']?.ttft_ms.p99 ?? null)],
  ['tbt p99', (x) => f(x.tbt_ms.p99)],
  ['tbt p99.9', (x) => f(x.tbt_ms.p999)],
  ['tpot', (x) => f(x.tpot_ms.mean)],
  ['e2e p50', (x) => f(x.e2e_ms.p50, 0)],
  ['e2e p99', (x) => f(x.e2e_ms.p99, 0)],
  ['slo', (x) => f(x.slo_attainment, 3)],
  ['tok/s', (x) => f(x.throughput_tok_s, 0)],
  ['w.ratio', (x) => f(x.window_service.weighted_ratio, 3)],
  ['jain', (x) => f(x.jain, 3)],
  ['vtc avg', (x) => f(x.vtc_diff.avg, 0)],
  ['preempt e/g', (x) => `${x.preemptions.engine}/${x.preemptions.gateway}`],
  ['migr', (x) => String(x.migrations)],
  ['recomp', (x) => `${(x.recompute_token_share * 100).toFixed(2)}%`],
  ['failed', (x) => String(x.failed)],
  ['speedup', (x) => f(x.sim_speedup ?? null, 0)],
];

/** A fixed-width text table, one row per policy. */
export function renderTable(rows: ReadonlyArray<readonly [string, SimSummary]>): string {
  const head = ['policy', ...COLUMNS.map(([h]) => h)];
  const body = rows.map(([name, x]) => [name, ...COLUMNS.map(([, get]) => get(x))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n') + '\n(latencies in ms; hi = priority class 1)\n';
}

export async function runSimulateCommand(argv: string[], io: CliIo = process): Promise<number> {
  const v = parse(argv, 'policy', SIMULATE_HELP);
  if (v.help === true) {
    io.stdout.write(`${SIMULATE_HELP}\n`);
    return 0;
  }
  const policy = policyOf(v.policy ?? 'least-loaded');
  const run = await prepare(v, SIMULATE_HELP);
  banner('simulate', run, io);
  const summary = runPolicy(run, policy);
  io.stderr.write(`fairway simulate: ${policy}: sim_speedup ${summary.sim_speedup ?? 0}x (${summary.wall_s} s wall)\n`);
  if (v.json === true) io.stdout.write(`${JSON.stringify({ ...describe(run), policy, ...summary }, null, 2)}\n`);
  else io.stdout.write(renderTable([[policy, summary]]));
  return 0;
}

export async function runCompareCommand(argv: string[], io: CliIo = process): Promise<number> {
  const v = parse(argv, 'policies', COMPARE_HELP);
  if (v.help === true) {
    io.stdout.write(`${COMPARE_HELP}\n`);
    return 0;
  }
  const policies = (v.policies ?? SCHEDULER_POLICIES.join(','))
    .split(',')
    .filter((p) => p !== '')
    .map(policyOf);
  if (policies.length === 0) throw usage('--policies is empty');
  const run = await prepare(v, COMPARE_HELP);
  banner('compare', run, io);
  const rows: Array<readonly [string, SimSummary]> = [];
  for (const policy of policies) {
    const summary = runPolicy(run, policy);
    io.stderr.write(
      `fairway compare: ${policy}: sim_speedup ${summary.sim_speedup ?? 0}x (${summary.wall_s} s wall)\n`,
    );
    rows.push([policy, summary]);
  }
  if (v.json === true) {
    const out = { ...describe(run), policies: Object.fromEntries(rows) };
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else io.stdout.write(renderTable(rows));
  return 0;
}
