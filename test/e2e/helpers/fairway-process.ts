/**
 * Runs `fairway` subcommands as child processes for end-to-end tests: `fairway sim` (so a test can
 * SIGKILL it like a crashed vLLM) and `fairway serve --demo --config FILE` (what `npm start` runs).
 * Reports URLs once they listen; only ever kills the child it started, by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface FairwayProcess<T> {
  readonly ready: T;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `node --import tsx src/cli.ts ...args` and resolves once `ready(stdout, stderr)` returns a
 * value; rejects if the process exits first or `timeoutMs` passes.
 */
export function spawnFairway<T>(
  args: readonly string[],
  ready: (stdout: string, stderr: string) => T | null,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 20_000,
): Promise<FairwayProcess<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  let out = '';
  let err = '';
  return new Promise<FairwayProcess<T>>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`fairway ${args[0] ?? ''} not ready within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    const check = (): void => {
      if (settled || child.pid === undefined) return;
      const value = ready(out, err);
      if (value === null) return;
      settled = true;
      clearTimeout(timer);
      const pid = child.pid;
      const proc: FairwayProcess<T> = {
        ready: value,
        pid,
        child,
        exited,
        stderr: () => err,
        kill(signal) {
          if (alive()) process.kill(pid, signal);
        },
        async stop(graceMs = 5000) {
          proc.kill('SIGTERM');
          const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
          if ((await Promise.race([exited, timeout])) === 'timeout') proc.kill('SIGKILL');
          await exited;
        },
      };
      resolve(proc);
    };
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      check();
    });
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
      check();
    });
    child.once('exit', (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`fairway ${args[0] ?? ''} exited with ${code}: ${err}`));
    });
  });
}

/** `fairway sim --port 0 ...args`; ready with the simulator's URL. */
export function spawnSim(args: readonly string[]): Promise<FairwayProcess<{ url: string }>> {
  return spawnFairway(['sim', '--port', '0', ...args], (stdout) => {
    const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
    return url === undefined ? null : { url };
  });
}

/** `fairway serve --demo --config FILE` (npm start with a config); ready with the gateway and simulator URLs. */
export function spawnServeDemo(
  configFile: string,
  simCount: number,
  env: NodeJS.ProcessEnv = {},
): Promise<FairwayProcess<{ url: string; simUrls: string[] }>> {
  return spawnFairway(
    ['serve', '--demo', '--config', configFile],
    (_stdout, stderr) => {
      const url = /gateway listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      const simUrls = [...stderr.matchAll(/simulated vLLM instance at (http:\/\/\S+)/g)].map((m) => m[1] as string);
      return url === undefined || simUrls.length < simCount ? null : { url, simUrls };
    },
    env,
  );
}
