/**
 * `npm run fuzz [-- --scale N] [--seed S] [files...]`: the fuzz tests, longer. Each property runs
 * N times (default 20) its fixed-seed count in `npm test`, with a fresh seed unless one is given;
 * the seed is printed so a failure can be replayed (`--seed S`, and fast-check's printed path).
 * Runs through test/run.ts, so the embedded PostgreSQL is started as for `npm test`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
};
const scale = option('--scale') ?? process.env.MAILROOM_FUZZ_SCALE ?? '20';
const seed = option('--seed') ?? process.env.MAILROOM_FUZZ_SEED ?? String(Date.now() % 2 ** 31);
const files = args.length ? args : ['test/fuzz/*.test.ts'];
console.error(`fuzz: scale ${scale}, seed ${seed} (replay with: npm run fuzz -- --scale ${scale} --seed ${seed})`);

const child = spawn(process.execPath, [path.join(here, '..', 'run.ts'), '--test-timeout=3600000', ...files], {
  stdio: 'inherit',
  env: { ...process.env, MAILROOM_FUZZ_SCALE: scale, MAILROOM_FUZZ_SEED: seed },
});
const stop = () => child.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
