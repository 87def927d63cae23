import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forEachSample, parseLabels, parseVllmMetrics } from '../../src/backends/metrics-scraper.js';

const fixture = readFileSync(new URL('../fixtures/backends/vllm-metrics.txt', import.meta.url), 'utf8');

describe('parseVllmMetrics', () => {
  it('sums a realistic two-engine vLLM exposition and averages KV usage', () => {
    const result = parseVllmMetrics(fixture);
    expect(result.badLines).toBe(0);
    expect(result.missing).toEqual([]);
    expect(result.metrics).toEqual({
      running: 12,
      waiting: 3,
      kvUsage: 0.375,
      preemptionsTotal: 4,
      prefixCacheQueriesTotal: 200000,
      prefixCacheHitsTotal: 80000,
      promptTokensTotal: 250000,
      generationTokensTotal: 60000,
    });
  });

  it('accepts counters without the _total suffix', () => {
    const text =
      'vllm:prompt_tokens{model_name="a"} 10\nvllm:generation_tokens{model_name="a"} 4\nvllm:num_preemptions 2\n';
    expect(parseVllmMetrics(text).metrics).toMatchObject({
      promptTokensTotal: 10,
      generationTokensTotal: 4,
      preemptionsTotal: 2,
    });
  });

  it('falls back to the V0 gpu_* names only when the current names are absent', () => {
    const legacy = [
      'vllm:gpu_cache_usage_perc{model_name="a"} 0.5',
      'vllm:gpu_prefix_cache_queries_total{model_name="a"} 100',
      'vllm:gpu_prefix_cache_hits_total{model_name="a"} 40',
    ].join('\n');
    expect(parseVllmMetrics(legacy).metrics).toMatchObject({
      kvUsage: 0.5,
      prefixCacheQueriesTotal: 100,
      prefixCacheHitsTotal: 40,
    });
    const both = `${legacy}\nvllm:kv_cache_usage_perc{model_name="a"} 0.25\n`;
    expect(parseVllmMetrics(both).metrics.kvUsage).toBe(0.25);
  });

  it('lists missing fields and reports them as zero', () => {
    const result = parseVllmMetrics('vllm:num_requests_running 1\n');
    expect(result.metrics.running).toBe(1);
    expect(result.missing).toContain('waiting');
    expect(result.missing).toContain('kvUsage');
    expect(result.metrics.waiting).toBe(0);
  });

  it('handles escaped quotes and braces in labels, timestamps, CRLF, NaN and +Inf', () => {
    const text = [
      'vllm:num_requests_running{model_name="we\\"ird}{,name",engine="0"} 3 1712345678000\r',
      'vllm:num_requests_running{model_name="b"} NaN',
      'vllm:num_requests_waiting{model_name="b"} +Inf',
      'vllm:kv_cache_usage_perc{model_name="b"} 1.5e0',
    ].join('\n');
    const result = parseVllmMetrics(text);
    expect(result.badLines).toBe(0);
    expect(result.metrics.running).toBe(3);
    expect(result.metrics.waiting).toBe(0);
    expect(result.missing).toContain('waiting');
    expect(result.metrics.kvUsage).toBe(1);
  });

  it('never throws on garbage and counts the bad lines', () => {
    const text = [
      'vllm:num_requests_running{model_name="a"} 2',
      'this is not a metric line at all',
      'vllm:num_requests_waiting{model_name="a" 4',
      'vllm:num_requests_waiting{model_name="a"} four',
      'vllm:num_requests_waiting{model_name="a"} 4 notatimestamp',
      '{} 1',
      '9bad_name 1',
      'vllm:num_requests_waiting',
      '\u0000\uffff',
    ].join('\n');
    const result = parseVllmMetrics(text);
    expect(result.metrics.running).toBe(2);
    expect(result.metrics.waiting).toBe(0);
    expect(result.badLines).toBe(8);
  });

  it('survives arbitrary input', () => {
    let seed = 12345;
    for (let n = 0; n < 200; n++) {
      let text = '';
      for (let i = 0; i < 200; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        text += ' {}"\\\n#:a=,0.9e+-Inf'[seed % 20];
      }
      expect(() => parseVllmMetrics(text)).not.toThrow();
    }
  });
});

describe('Prometheus helpers', () => {
  it('parses label sets with escapes', () => {
    expect(parseLabels('a="x",b="y\\"z",c="line\\nbreak",d="back\\\\slash"')).toEqual({
      a: 'x',
      b: 'y"z',
      c: 'line\nbreak',
      d: 'back\\slash',
    });
    expect(parseLabels('a=x')).toBeNull();
  });

  it('walks only the wanted samples', () => {
    const names: string[] = [];
    const bad = forEachSample(
      fixture,
      (name) => name.startsWith('vllm:time_to_first'),
      (s) => names.push(s.name),
    );
    expect(bad).toBe(0);
    expect(names).toHaveLength(7);
    expect(names).toContain('vllm:time_to_first_token_seconds_sum');
  });
});
