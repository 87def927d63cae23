/** `fairway config check FILE`: validates a configuration file and lists every violation with its path. */
import { checkConfig, readConfigFile } from './load.js';

export async function runConfigCommand(argv: string[]): Promise<number> {
  const [sub, file] = argv;
  if (sub !== 'check' || file === undefined || argv.length !== 2) {
    process.stderr.write('usage: fairway config check FILE\n');
    return 2;
  }
  const raw = readConfigFile(file);
  const violations = checkConfig(raw ?? {});
  if (violations.length === 0) {
    process.stdout.write(`${file}: valid\n`);
    return 0;
  }
  process.stdout.write(`${file}: ${violations.length} violation(s)\n`);
  for (const v of violations) process.stdout.write(`  ${v.path}: ${v.message}\n`);
  return Promise.resolve(2);
}
