import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/db/embedded.ts';
import { makeTempDir } from '../harness/postgres.ts';
import { needsShared, sharedData } from '../harness/shared.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'mailroom.js');

test('a bad setting stops start-up with the variable name in the message', () => {
  const r = spawnSync(process.execPath, [bin, 'start'], { env: { ...process.env, PORT: 'seventy', MAILROOM_TEST_ADMIN_URL: '' }, encoding: 'utf8' });
  assert.equal(r.status, 78);
  assert.match(r.stderr, /PORT: .*\(got "seventy"\)/);
});

test('start runs the service on embedded defaults, answers /healthz, and stops cleanly on SIGTERM', async () => {
  const dataDir = makeTempDir('mailroom-start-');
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'start'], {
    cwd: dataDir,
    env: { ...process.env, MAILROOM_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info', DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const until = Date.now() + 60_000;
    let health: Response | undefined;
    while (Date.now() < until) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (health) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(health, `service did not answer: ${stderr}`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', checks: { database: 'up', queue: 'up' } });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /mailroom_process_resident_memory_bytes/);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
  assert.match(stderr, /shutting down/);
  const pgLeft = spawnSync('pgrep', ['-f', `${dataDir}/pg`], { encoding: 'utf8' });
  assert.equal(pgLeft.stdout.trim(), '', 'embedded postgres was stopped');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('process on the embedded default: hostile parser fixtures end in a result or a one-line error, exit 2 for the unreadable', { skip: needsShared }, async () => {
  const dataDir = makeTempDir('mailroom-process-');
  const files = fs
    .readFileSync(sharedData('eml', 'MESSAGES.txt'), 'utf8')
    .trim()
    .split('\n')
    .filter((f) => /^(mailparser|postal-mime)\//.test(f) || f === 'flanker/dkim/email.01')
    .map((f) => sharedData('eml', f));
  const r = await promisify(execFile)(process.execPath, [bin, 'process', '--json', '--timeout', '60', ...files], {
    cwd: dataDir,
    env: { ...process.env, MAILROOM_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    (ok) => ({ code: 0, ...ok }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
  assert.equal(r.code, 2, 'the empty file makes the exit code 2');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, files.length, 'one line per input, none lost');
  assert.ok(lines.every((l) => l.run_id || l.error));
  assert.match(r.stderr, /email\.01: empty file/);
  fs.rmSync(dataDir, { recursive: true, force: true });
});
