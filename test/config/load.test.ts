import { describe, expect, it } from 'vitest';
import { checkConfig, resolveConfig } from '../../src/config/load.js';
import { FairwayError } from '../../src/errors.js';

describe('config', () => {
  it('fills every default from an empty file', () => {
    const config = resolveConfig({});
    expect(config.server.port).toBe(8080);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.backends.staleMetricsMs).toBe(200);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('reports every violation with its path', () => {
    const violations = checkConfig({
      server: { port: 70000, colour: 'red' },
      backends: { instances: [{ id: 'a', url: 'ftp://x' }] },
    });
    const paths = violations.map((v) => v.path).sort();
    expect(paths).toEqual(['/backends/instances/0/url', '/server/colour', '/server/port']);
  });

  it('throws FW_ERR_CONFIG_INVALID naming the paths', () => {
    let caught: unknown;
    try {
      resolveConfig({ sim: { instances: 0 } });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FairwayError);
    expect((caught as FairwayError).code).toBe('FW_ERR_CONFIG_INVALID');
    expect((caught as FairwayError).message).toContain('/sim/instances');
  });

  it('applies environment overrides before validation', () => {
    expect(resolveConfig({}, { FAIRWAY_PORT: '9999' }).server.port).toBe(9999);
    expect(() => resolveConfig({}, { FAIRWAY_PORT: 'abc' })).toThrow(/\/server\/port/);
  });
});
