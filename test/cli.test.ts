import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = new URL('../bin/fairway.js', import.meta.url).pathname;

async function fairway(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('the fairway command', () => {
  it('reports every violation of a bad config with its path and exits 2', async () => {
    const { code, stdout } = await fairway('config', 'check', 'test/fixtures/config/bad.yaml');
    expect(code).toBe(2);
    expect(stdout).toContain('/server/port');
    expect(stdout).toContain('/server/colour: is not a known setting');
    expect(stdout).toContain('/backends/instances/0/url');
    expect(stdout).toContain('/scheduler/policy');
  });

  it('accepts a good config', async () => {
    const { code, stdout } = await fairway('config', 'check', 'test/fixtures/config/good.yaml');
    expect(stdout).toContain('valid');
    expect(code).toBe(0);
  });

  it('hashes an API key for the tenants section', async () => {
    const { code, stdout } = await fairway('keys', 'hash', 'key-a');
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects an unknown command with exit code 2 and the usage', async () => {
    const { code, stderr } = await fairway('frobnicate');
    expect(code).toBe(2);
    expect(stderr).toContain('Usage:');
  });
});
