/**
 * `npm test`: starts one embedded PostgreSQL for the whole suite, then runs every
 * `test/**\/*.test.ts` but test/browser with node's test runner (each file in its own process, with its own
 * databases), and stops the cluster. Extra arguments are passed to `node --test`
 * (e.g. `npm test -- --test-name-pattern=replay`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { startTestCluster } from './harness/postgres.ts';

// Every test file except the browser tests (`npm run test:browser`: they need Chromium).
const suite = () => fs.globSync('test/**/*.test.ts').filter((f) => !f.startsWith('test/browser/')).sort();

const db = await startTestCluster();
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=180000', ...flags, ...(files.length ? files : suite())],
  { stdio: 'inherit', env: { ...process.env, MAILROOM_TEST_ADMIN_URL: db.adminUrl, NODE_ENV: 'test', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' } },
);
const stop = () => child.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await db.stop();
process.exit(code);
