/**
 * `npm test`: starts one embedded PostgreSQL for the whole suite, then runs every
 * `test/**\/*.test.ts` with node's test runner (each file in its own process, with its own
 * databases), and stops the cluster. Extra arguments are passed to `node --test`
 * (e.g. `npm test -- --test-name-pattern=replay`).
 */
import { spawn } from 'node:child_process';
import { startTestCluster } from './harness/postgres.ts';

const db = await startTestCluster();
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=180000', ...flags, ...(files.length ? files : ['test/**/*.test.ts'])],
  { stdio: 'inherit', env: { ...process.env, MAILROOM_TEST_ADMIN_URL: db.adminUrl, NODE_ENV: 'test', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' } },
);
const stop = () => child.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await db.stop();
process.exit(code);
