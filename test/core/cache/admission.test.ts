import { describe, expect, it } from 'vitest';
import { cacheControlDirectives } from '../../../src/core/cache/admission.js';
import { DEFAULT_CACHE_POLICY } from '../../../src/core/cache/defaults.js';
import { createCachePolicy } from '../../../src/core/cache/policy.js';
import type { CacheRequest, CacheResponse } from '../../../src/core/cache/types.js';
import { request, withCategory } from './helpers.js';

const policy = createCachePolicy(DEFAULT_CACHE_POLICY);
const ok: CacheResponse = { status: 200, finishReason: 'stop', error: false };

describe('isAdmissible', () => {
  it('admits a complete successful single answer at low temperature', () => {
    expect(policy.isAdmissible(request('What is the capital of Peru?'), ok, 'factual')).toEqual({ admit: true });
  });

  it.each<[string, Partial<CacheRequest>, Partial<CacheResponse>, string]>([
    ['an upstream error', {}, { error: true }, 'error'],
    ['a 5xx status', {}, { status: 502 }, 'error'],
    ['a broken stream', {}, { finishReason: null }, 'incomplete'],
    ['an aborted answer', {}, { finishReason: 'abort' }, 'incomplete'],
    ['a truncated answer by default', {}, { finishReason: 'length' }, 'incomplete'],
    ['a hot temperature', { temperature: 1.5 }, {}, 'temperature'],
    ['n = 2', { n: 2 }, {}, 'n-not-one'],
    ['a request with tools', { hasTools: true }, {}, 'tools'],
    ['an answer with tool calls', {}, { hasToolCalls: true }, 'tools'],
    ['Cache-Control: no-store', { cacheControl: 'max-age=0, No-Store' }, {}, 'no-store'],
    ['a per-request opt-out', { optOut: true }, {}, 'opted-out'],
    ['a request without a user message', { messages: [{ role: 'system', content: 'x' }] }, {}, 'incomplete'],
  ])('refuses %s', (_name, req, res, reason) => {
    expect(policy.isAdmissible(request('What is 2+2?', req), { ...ok, ...res }, 'math')).toEqual({
      admit: false,
      reason,
    });
  });

  it('treats a missing temperature as the configured default (1), within conversation but not code bounds', () => {
    const noTemp = request('hello there', { temperature: undefined });
    expect(policy.isAdmissible(noTemp, ok, 'conversation')).toEqual({ admit: true });
    const strict = createCachePolicy(withCategory('code', { maxTemperature: 0.5 }));
    expect(strict.isAdmissible(noTemp, ok, 'code')).toEqual({ admit: false, reason: 'temperature' });
  });

  it('never admits anything in a category whose TTL is 0', () => {
    const zero = createCachePolicy(withCategory('math', { ttlSeconds: 0 }));
    expect(zero.isAdmissible(request('What is 2+2?'), ok, 'math')).toEqual({ admit: false, reason: 'ttl-zero' });
    expect(zero.mayLookup(request('What is 2+2?'), 'math')).toEqual({ admit: false, reason: 'ttl-zero' });
  });

  it('admits truncated answers only when configured', () => {
    const lengthOk = createCachePolicy({ ...DEFAULT_CACHE_POLICY, admitFinishReasons: ['stop', 'length'] });
    expect(lengthOk.isAdmissible(request('hi'), { ...ok, finishReason: 'length' }, 'conversation')).toEqual({
      admit: true,
    });
  });

  it('refuses an unknown category', () => {
    expect(policy.isAdmissible(request('hi'), ok, 'nope')).toEqual({ admit: false, reason: 'unknown-category' });
  });
});

describe('mayLookup', () => {
  it('bypasses the cache on no-cache but lets the answer be stored', () => {
    const r = request('hi', { cacheControl: 'no-cache' });
    expect(policy.mayLookup(r, 'conversation')).toEqual({ admit: false, reason: 'opted-out' });
    expect(policy.isAdmissible(r, ok, 'conversation')).toEqual({ admit: true });
  });

  it('bypasses and never stores on no-store', () => {
    const r = request('hi', { cacheControl: 'no-store' });
    expect(policy.mayLookup(r, 'conversation')).toEqual({ admit: false, reason: 'no-store' });
  });

  it('parses Cache-Control directives without arguments', () => {
    expect([...cacheControlDirectives(' max-age=60 , NO-CACHE,,private')]).toEqual(['max-age', 'no-cache', 'private']);
    expect(cacheControlDirectives(undefined).size).toBe(0);
  });
});
