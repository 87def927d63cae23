import { describe, expect, it, vi } from 'vitest';
import { parseSimArgs, runSimCommand } from '../../src/sim/cli.js';

describe('fairway sim flags', () => {
  it('parses server options and fault flags', () => {
    expect(
      parseSimArgs([
        '--port',
        '8100',
        '--preset',
        'llama2-7b-a10',
        '--kv-tokens',
        '5000',
        '--seed',
        '3',
        '--crash-after-tokens',
        '10',
        '--error-rate',
        '0.25',
      ]),
    ).toEqual({
      port: 8100,
      preset: 'llama2-7b-a10',
      kvTokens: 5000,
      seed: 3,
      faults: { crashAfterTokens: 10, errorRate: 0.25 },
    });
  });

  it('rejects an unknown flag with exit code 2 and a message', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const before = process.exitCode;
    try {
      await runSimCommand(['--bogus']);
      expect(process.exitCode).toBe(2);
      expect(String(write.mock.calls[0]?.[0])).toContain("Unknown option '--bogus'");
    } finally {
      process.exitCode = before;
      write.mockRestore();
    }
  });

  it('rejects an unknown preset', () => {
    expect(() => parseSimArgs(['--preset', 'gpt-9'])).toThrow(/unknown preset/);
  });
});
