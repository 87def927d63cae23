/**
 * `fairway replay` and `fairway trace gen`: argument parsing and file output around the replay library.
 * Errors are FairwayErrors (usage -> FW_ERR_CLI_USAGE); the caller maps them to exit codes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderHtmlReport } from './report-html.js';
import { recordsToCsv } from './report-csv.js';
import { runReplay } from './replay-run.js';
import { TRACE_FORMATS } from './trace-format.js';
import { generateTrace, traceToCsv } from './trace-gen.js';
import type { LengthSpec } from './trace-gen.js';
import { loadTrace } from './trace-loader.js';
import { cliNumber, cliUsage, tenantModeFromArgs, traceLoadOptions } from './trace-args.js';
import { zipfTenants } from './trace-tenants.js';

export interface CliIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean };
}

const usage = cliUsage;
const num = cliNumber;

const REPLAY_HELP = `usage: fairway replay --trace FILE [options]

  --trace FILE            BurstGPT v1/v2/v3, Azure LLM 2023, generic CSV or JSONL (auto-detected)
  --format F              force the format: ${TRACE_FORMATS.join(', ')}
  --columns MAP           generic column map, e.g. time=ts,timeUnit=s,promptTokens=in,outputTokens=out
  --target URL            OpenAI-compatible base URL (default http://127.0.0.1:8000)
  --model NAME            model name to send (default: the first of GET /v1/models)
  --max-model-len N       clamp prompt + output to N tokens (default: max_model_len of /v1/models)
  --api chat|completions  endpoint (default chat)
  --speed X | --rate R    compress time by X, or scale to a mean of R req/s
  --window START:END      keep rows in [START, END) seconds after the trace's first row
  --keep-failed           keep rows with 0 response tokens (dropped by default)
  --duration S            send only requests scheduled in the first S seconds
  --max-requests N        send at most N requests
  --concurrency-cap N     at most N requests in flight (default 256)
  --drain-timeout S       abort in-flight requests S seconds after sending ends (default 30)
  --tenants SPEC          name:weight:share,... assign rows to tenants by share (seeded)
  --zipf-tenants K[:S]    assign rows to K tenants with Zipf(S, default 1.1) shares
  --priority-rule RULE    Column=Value[:priority],... (e.g. Model=GPT-4)
  --send-priority         send the priority as vLLM's \`priority\` field (needs --scheduling-policy priority)
  --tenant-keys MAP       name=key,... API key per tenant (Authorization: Bearer)
  --api-key KEY           key for tenants without one
  --seed S                seed for tenants and prompts (default 1)
  --out DIR               write summary.json, requests.csv and report.html into DIR
  --json                  print the JSON summary on stdout (default when --out is absent)`;

const GEN_HELP = `usage: fairway trace gen [options]

  --requests N            number of requests (default 300)
  --rate R                mean arrival rate in req/s (default 2)
  --cv C                  coefficient of variation of inter-arrival gaps (default 1 = Poisson)
  --prompt MIN:MAX:S      bounded Zipf prompt lengths (default 16:2048:1.1)
  --output MIN:MAX:S      bounded Zipf output lengths (default 8:512:1.1)
  --tenants SPEC          name:weight:share,... (default default:1:1)
  --zipf-tenants K[:S]    K tenants with Zipf(S) shares instead of --tenants
  --high-priority-share F share of requests in priority class 1 (default 0)
  --seed S                seed (default 1)
  --out FILE              write here instead of stdout`;

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], options: T, help: string) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw usage(`${(e as Error).message}\n${help}`);
  }
}

function parseKeys(text: string | undefined): Map<string, string> | undefined {
  if (text === undefined) return undefined;
  const keys = new Map<string, string>();
  for (const part of text.split(',').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw usage(`--tenant-keys: expected name=key, got "${part}"`);
    keys.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return keys;
}

export async function runReplayCommand(argv: string[], io: CliIo = process): Promise<number> {
  const s = { type: 'string' } as const;
  const b = { type: 'boolean' } as const;
  const v = parse(
    argv,
    {
      trace: s,
      format: s,
      columns: s,
      target: s,
      model: s,
      api: s,
      speed: s,
      rate: s,
      window: s,
      'keep-failed': b,
      duration: s,
      'max-requests': s,
      'concurrency-cap': s,
      'drain-timeout': s,
      tenants: s,
      'zipf-tenants': s,
      'priority-rule': s,
      'tenant-keys': s,
      'api-key': s,
      seed: s,
      out: s,
      json: b,
      'max-model-len': s,
      'send-priority': b,
    },
    REPLAY_HELP,
  );
  if (v.help === true) {
    io.stdout.write(`${REPLAY_HELP}\n`);
    return 0;
  }
  if (typeof v.trace !== 'string') throw usage(`--trace is required\n${REPLAY_HELP}`);
  const api = v.api ?? 'chat';
  if (api !== 'chat' && api !== 'completions') throw usage('--api is chat or completions');
  const seed = num('seed', v.seed, Number.isInteger) ?? 1;
  const loadOptions = traceLoadOptions(v, seed, { speed: num('speed', v.speed), rate: num('rate', v.rate) });
  const trace = await loadTrace(v.trace, loadOptions);
  const st = trace.stats;
  io.stderr.write(
    `fairway replay: ${trace.format} trace ${v.trace}: ${st.kept} requests over ${(st.spanMs / 1000).toFixed(1)} s ` +
      `(${st.meanRateReqPerS.toFixed(2)} req/s, speed x${st.speed.toPrecision(4)}), ${st.failedDropped} failed dropped, ` +
      `${st.malformedCount} malformed${st.malformed[0] !== undefined ? ` (first at line ${st.malformed[0].line}: ${st.malformed[0].reason})` : ''}\n`,
  );
  const durationS = num('duration', v.duration);
  const maxRequests = num('max-requests', v['max-requests'], (n) => Number.isInteger(n) && n > 0);
  const cap = num('concurrency-cap', v['concurrency-cap'], (n) => Number.isInteger(n) && n > 0);
  const drainS = num('drain-timeout', v['drain-timeout'], (n) => n >= 0);
  const tenantKeys = parseKeys(v['tenant-keys']);
  const maxModelLen = num('max-model-len', v['max-model-len'], (n) => Number.isInteger(n) && n > 1);
  const target = v.target ?? 'http://127.0.0.1:8000';
  const result = await runReplay({
    trace,
    baseUrl: target,
    ...(v.model !== undefined ? { model: v.model } : {}),
    ...(maxModelLen !== undefined ? { maxModelLen } : {}),
    api,
    seed,
    progress: io.stderr,
    ...(durationS !== undefined ? { durationMs: durationS * 1000 } : {}),
    ...(maxRequests !== undefined ? { maxRequests } : {}),
    ...(cap !== undefined ? { concurrencyCap: cap } : {}),
    ...(drainS !== undefined ? { drainTimeoutMs: drainS * 1000 } : {}),
    ...(tenantKeys !== undefined ? { tenantKeys } : {}),
    ...(v['api-key'] !== undefined ? { defaultKey: v['api-key'] } : {}),
    ...(v['send-priority'] === true ? { sendPriority: true } : {}),
  });
  io.stderr.write(`fairway replay: model ${result.model}, ${result.clamped} requests clamped to the context limit\n`);
  const json = `${JSON.stringify(result.summary, null, 2)}\n`;
  if (typeof v.out === 'string') {
    await mkdir(v.out, { recursive: true });
    await writeFile(join(v.out, 'summary.json'), json);
    await writeFile(join(v.out, 'requests.csv'), recordsToCsv(result.records, result.sendLagsMs));
    const html = renderHtmlReport({
      title: `fairway replay: ${v.trace}`,
      summary: result.summary,
      records: result.records,
      sendLagsMs: result.sendLagsMs,
      meta: {
        trace: v.trace,
        format: trace.format,
        target,
        model: result.model,
        'requests in trace': st.kept,
        speed: st.speed,
        clamped: result.clamped,
      },
    });
    await writeFile(join(v.out, 'report.html'), html);
    io.stderr.write(`fairway replay: wrote ${join(v.out, 'summary.json')}, requests.csv, report.html\n`);
  }
  if (v.json === true || typeof v.out !== 'string') io.stdout.write(json);
  return result.summary.failed > 0 ? 1 : 0;
}

function lengthSpec(name: string, text: string | undefined, fallback: LengthSpec): LengthSpec {
  if (text === undefined) return fallback;
  const [a = '', z = '', e = '1.1'] = text.split(':');
  const min = num(name, a, (n) => Number.isInteger(n) && n >= 1)!;
  const max = num(name, z, (n) => Number.isInteger(n) && n >= min && n <= 1_000_000)!;
  return { min, max, exponent: num(name, e, (n) => n >= 0)! };
}

export async function runTraceGenCommand(argv: string[], io: CliIo = process): Promise<number> {
  const s = { type: 'string' } as const;
  const v = parse(
    argv,
    {
      requests: s,
      rate: s,
      cv: s,
      prompt: s,
      output: s,
      tenants: s,
      'zipf-tenants': s,
      'high-priority-share': s,
      seed: s,
      out: s,
    },
    GEN_HELP,
  );
  if (v.help === true) {
    io.stdout.write(`${GEN_HELP}\n`);
    return 0;
  }
  const mode = tenantModeFromArgs(v.tenants, v['zipf-tenants']);
  const tenants =
    mode === undefined || mode.kind === 'row'
      ? [{ name: 'default', weight: 1, share: 1 }]
      : mode.kind === 'shares'
        ? mode.tenants
        : zipfTenants(mode.count, mode.exponent);
  const rows = generateTrace({
    requests: num('requests', v.requests, (n) => Number.isInteger(n) && n > 0 && n <= 10_000_000) ?? 300,
    ratePerS: num('rate', v.rate) ?? 2,
    cv: num('cv', v.cv, (n) => n >= 0) ?? 1,
    prompt: lengthSpec('prompt', v.prompt, { min: 16, max: 2048, exponent: 1.1 }),
    output: lengthSpec('output', v.output, { min: 8, max: 512, exponent: 1.1 }),
    tenants,
    seed: num('seed', v.seed, Number.isInteger) ?? 1,
    highPriorityShare: num('high-priority-share', v['high-priority-share'], (n) => n >= 0 && n <= 1) ?? 0,
  });
  const csv = traceToCsv(rows);
  if (typeof v.out === 'string') {
    await writeFile(v.out, csv);
    io.stderr.write(`fairway trace gen: wrote ${rows.length} requests to ${v.out}\n`);
  } else {
    io.stdout.write(csv);
  }
  return 0;
}
