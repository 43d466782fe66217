import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/db/embedded.ts';
import { makeTempDir } from '../harness/postgres.ts';

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
