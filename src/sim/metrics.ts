/**
 * The simulator's Prometheus exposition with vLLM's metric names and a `model_name` label. Gauges and
 * counters are read from the engine at scrape time; latency histograms are fed by the server. Text is
 * written by hand (no prom-client) to keep the hot path cheap.
 */
import type { EngineStats } from '../core/engine/types.js';

// Bucket bounds (seconds) as in vllm/v1/metrics/loggers.py.
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0,
  640.0, 2560.0,
];
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
const E2E_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0,
  7680.0,
];

class Histogram {
  readonly name: string;
  readonly help: string;
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum: number;
  #count: number;

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.#bounds = bounds;
    this.#counts = new Array<number>(bounds.length).fill(0);
    this.#sum = 0;
    this.#count = 0;
  }

  observe(seconds: number): void {
    this.#sum += seconds;
    this.#count++;
    for (let i = 0; i < this.#bounds.length; i++) {
      if (seconds <= (this.#bounds[i] ?? Infinity)) {
        this.#counts[i] = (this.#counts[i] ?? 0) + 1;
        return;
      }
    }
  }

  render(labels: string): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    let cumulative = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      cumulative += this.#counts[i] ?? 0;
      out += `${this.name}_bucket{${labels},le="${String(this.#bounds[i])}"} ${cumulative}\n`;
    }
    out += `${this.name}_bucket{${labels},le="+Inf"} ${this.#count}\n`;
    out += `${this.name}_sum{${labels}} ${this.#sum}\n${this.name}_count{${labels}} ${this.#count}\n`;
    return out;
  }
}

export class SimMetrics {
  readonly ttft = new Histogram(
    'vllm:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    TTFT_BUCKETS,
  );
  readonly itl = new Histogram(
    'vllm:inter_token_latency_seconds',
    'Histogram of inter-token latency in seconds.',
    ITL_BUCKETS,
  );
  readonly e2e = new Histogram(
    'vllm:e2e_request_latency_seconds',
    'Histogram of e2e request latency in seconds.',
    E2E_BUCKETS,
  );
  readonly #labels: string;
  readonly #finished: Map<string, number>;

  constructor(modelName: string) {
    this.#labels = `model_name=${JSON.stringify(modelName)}`;
    this.#finished = new Map();
  }

  /** Counts a finished request by reason (`stop`, `length`, `abort`). */
  finished(reason: string): void {
    this.#finished.set(reason, (this.#finished.get(reason) ?? 0) + 1);
  }

  render(stats: EngineStats): string {
    const l = this.#labels;
    const c = stats.counters;
    const line = (name: string, type: string, help: string, value: number): string =>
      `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name}{${l}} ${value}\n`;
    let out =
      line('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.', stats.running) +
      line('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', stats.waiting) +
      line('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', stats.kvUsage) +
      line('vllm:num_preemptions_total', 'counter', 'Cumulative number of preemption from the engine.', c.preemptions) +
      line(
        'vllm:prefix_cache_queries_total',
        'counter',
        'Prefix cache queries, in terms of number of queried tokens.',
        c.prefixCacheQueriesTokens,
      ) +
      line(
        'vllm:prefix_cache_hits_total',
        'counter',
        'Prefix cache hits, in terms of number of cached tokens.',
        c.prefixCacheHitsTokens,
      ) +
      line('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', c.promptTokens) +
      line('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.', c.generationTokens);
    out += '# HELP vllm:request_success_total Count of successfully processed requests.\n';
    out += '# TYPE vllm:request_success_total counter\n';
    for (const [reason, n] of this.#finished)
      out += `vllm:request_success_total{${l},finished_reason="${reason}"} ${n}\n`;
    return out + this.ttft.render(l) + this.itl.render(l) + this.e2e.render(l);
  }
}
