/**
 * Hard crash of the service together with its embedded PostgreSQL (issue 12): the postmaster's
 * lock file outlives it, naming a zombie or, later, somebody else's pid. The lock is judged by
 * the process behind it and by its port, the stale one removed, and the cluster started again;
 * PostgreSQL recovers its data and every mail's run finishes.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { freePort, startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { inspectPostmaster, postgresAnswers } from '../../src/db/postmaster.ts';
import { makeTempDir } from '../harness/postgres.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { engineFixture } from '../engine/harness.ts';
import { testEngineSettings } from '../engine/settings.ts';
import { noop5 } from '../fixtures/engine-workflows.ts';
import { canLeaveZombies, dropMail, postmasterOf, procState, startServiceProcess, supportMail, waitHealthy, type ServiceProcess } from './service-process.ts';

const silent = pino({ level: 'silent' });
const adminUrl = (port: number) => `postgres://mailroom:mailroom@127.0.0.1:${port}/postgres`;

function writeLock(pgDir: string, pid: number, port: number): void {
  fs.mkdirSync(pgDir, { recursive: true });
  fs.writeFileSync(path.join(pgDir, 'postmaster.pid'), `${pid}\n${pgDir}\n1796000000\n${port}\n\n127.0.0.1\n  1234567  7\nready   \n`);
}

describe('postmaster.pid is trusted only when its process is a running postgres for the data dir and its port answers', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('a pid reused by a live foreign process is a stale lock', async () => {
    const dir = makeTempDir('mailroom-lock-');
    dirs.push(dir);
    const foreign = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeLock(path.join(dir, 'pg'), foreign.pid!, await freePort());
      const found = await inspectPostmaster(path.join(dir, 'pg'), adminUrl);
      assert.equal(found.state, 'stale');
      assert.match((found as { reason: string }).reason, /is "sleep", not postgres/);
    } finally {
      foreign.kill('SIGKILL');
    }
  });

  test('a zombie pid is a stale lock, though kill(pid, 0) succeeds on it', { skip: canLeaveZombies ? false : 'needs Linux and python3 to make a zombie' }, async () => {
    const dir = makeTempDir('mailroom-lock-');
    dirs.push(dir);
    // A parent that never waits for its child: the child's exit leaves a zombie.
    const parent = spawn('python3', ['-c', 'import os, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(60)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString()))));
      while (procState(zombie) !== 'Z') await new Promise((r) => setTimeout(r, 20));
      assert.doesNotThrow(() => process.kill(zombie, 0), 'the old liveness check would have trusted it');
      writeLock(path.join(dir, 'pg'), zombie, await freePort());
      const found = await inspectPostmaster(path.join(dir, 'pg'), adminUrl);
      assert.equal(found.state, 'stale');
      assert.match((found as { reason: string }).reason, /zombie/);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('a gone pid and a malformed file are stale; a live cluster is attached to, not started twice', async () => {
    const dir = makeTempDir('mailroom-lock-');
    dirs.push(dir);
    const pgDir = path.join(dir, 'pg');
    writeLock(pgDir, 2 ** 22 + 12345, await freePort());
    assert.equal((await inspectPostmaster(pgDir, adminUrl)).state, 'stale');
    fs.writeFileSync(path.join(pgDir, 'postmaster.pid'), 'garbage');
    assert.equal((await inspectPostmaster(pgDir, adminUrl)).state, 'stale');
    fs.rmSync(pgDir, { recursive: true, force: true });

    const first = await startEmbeddedPostgres(dir, silent);
    try {
      const found = await inspectPostmaster(pgDir, adminUrl);
      assert.equal(found.state, 'live');
      const second = await startEmbeddedPostgres(dir, silent);
      assert.equal(second.owned, false, 'attached to the owner’s cluster');
      assert.equal(second.url, first.url);
    } finally {
      await first.stop();
    }
  });
});

test('a postmaster killed under the process that owns it is started again on the same port', async () => {
  const dir = makeTempDir('mailroom-owned-');
  const owned = await startEmbeddedPostgres(dir, silent);
  try {
    const pid = postmasterOf(dir)!;
    process.kill(pid, 'SIGKILL');
    const until = Date.now() + 60_000;
    while (postmasterOf(dir) === pid || !(await postgresAnswers(owned.adminUrl)).ok) {
      assert.ok(Date.now() < until, 'restarted within a minute');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.notEqual(postmasterOf(dir), pid, 'a new postmaster, on the URL the owner handed out');
  } finally {
    await owned.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a queued run whose doorbell a killed worker had fetched is rung again by the sweeper, not after the job expires', async () => {
  const fx = await engineFixture([noop5], {}, { workers: false });
  try {
    const { runId } = await fx.engine.startRun(noop5, {});
    // What a worker SIGKILLed right after fetching leaves: the job active, the run still queued.
    await fx.db.pool.query(`UPDATE mailroom_queue.job SET state = 'active', started_on = now() - interval '1 hour' WHERE data->>'runId' = $1`, [runId]);
    await fx.db.pool.query(`UPDATE mailroom.runs SET updated_at = now() - interval '1 hour' WHERE id = $1`, [runId]);
    const worker = createEngine({ pool: fx.db.pool, databaseUrl: fx.db.url, settings: testEngineSettings(), log: silent, services: { pool: fx.db.pool }, pollSeconds: 0.5 });
    worker.register(noop5);
    await worker.start();
    try {
      assert.equal(await worker.waitForRun(runId, { timeoutMs: 20_000 }), 'completed');
    } finally {
      await worker.stop();
    }
  } finally {
    await fx.close();
  }
});

describe('the service and its embedded PostgreSQL killed together with SIGKILL', { timeout: 400_000 }, () => {
  const dataDir = makeTempDir('mailroom-crash-');
  let service: ServiceProcess | undefined;
  after(async () => {
    await service?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('start again: the stale lock is removed, PostgreSQL recovers, the service is healthy and every mail’s run finishes', { timeout: 400_000 }, async () => {
    const port = await freePort();
    const inbox = path.join(dataDir, 'inbox');
    const mails = Array.from({ length: 6 }, (_, i) => supportMail('crash', i + 1));
    service = await startServiceProcess({ dataDir, port, noReaper: canLeaveZombies });
    await waitHealthy(service, 120_000);
    for (const [i, m] of mails.entries()) dropMail(inbox, `mail-${i + 1}`, m);
    // Killed while the mails are being taken in and worked on.
    const processed = path.join(inbox, 'processed');
    while (!fs.existsSync(processed) || fs.readdirSync(processed).length < 2) await new Promise((r) => setTimeout(r, 20));
    const { postmasterPid } = service.killHard({ withPostgres: true, dataDir });
    assert.ok(postmasterPid, 'the embedded postmaster was running');
    await service.exited;
    const oldService = service;

    if (canLeaveZombies) {
      // The reported failure's precondition: the lock names a pid that still "exists".
      while (procState(postmasterPid) !== 'Z') await new Promise((r) => setTimeout(r, 20));
      assert.doesNotThrow(() => process.kill(postmasterPid, 0));
      assert.ok(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid')), 'the lock file outlived its server');
    }

    service = await startServiceProcess({ dataDir, port, noReaper: canLeaveZombies });
    await waitHealthy(service, 120_000);
    await oldService.stop();
    assert.match(service.log(), /removing the stale postmaster\.pid left by a crash/);

    const lock = fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
    const db = new pg.Client({ connectionString: `postgres://mailroom:mailroom@127.0.0.1:${lock[3]}/mailroom` });
    db.on('error', () => undefined);
    await db.connect();
    try {
      const until = Date.now() + 180_000;
      let settled = false;
      let last: unknown;
      while (!settled && Date.now() < until) {
        const items = await db.query(`SELECT count(*)::int AS n FROM mailroom.items`);
        const open = await db.query(
          `SELECT id, workflow, state, wait, lease_owner, lease_until < now() AS expired, crashes,
                  (SELECT json_agg(reason ORDER BY t.id) FROM mailroom.run_transitions t WHERE t.run_id = r.id) AS reasons
             FROM mailroom.runs r WHERE state IN ('queued', 'running') OR (state = 'waiting' AND wait->>'kind' <> 'event')`,
        );
        const support = await db.query(`SELECT state, count(*)::int AS n FROM mailroom.runs WHERE workflow = 'support' GROUP BY state`);
        last = { items: items.rows[0].n, open: open.rows, support: support.rows };
        settled = items.rows[0].n === mails.length && open.rows.length === 0 && support.rows.reduce((s, r) => s + r.n, 0) === mails.length;
        if (!settled) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(settled, `every mail taken in once and its runs settled: ${JSON.stringify(last)}`);
      const runs = await db.query(
        `SELECT r.workflow, r.state, (SELECT count(*)::int FROM mailroom.approvals a WHERE a.run_id = r.id AND a.status = 'pending') AS pending FROM mailroom.runs r`,
      );
      for (const r of runs.rows.filter((x) => x.workflow === 'router')) assert.equal(r.state, 'completed', 'each router run completed');
      for (const r of runs.rows.filter((x) => x.workflow === 'support')) {
        assert.equal(r.state, 'waiting', 'each support run waits for its reply’s approval');
        assert.equal(r.pending, 1, 'with one approval a person sees');
      }
      const inboxLeft = fs.readdirSync(inbox).filter((f) => f.endsWith('.eml'));
      assert.deepEqual(inboxLeft, [], 'every file was taken in');
    } finally {
      await db.end();
    }
  });
});
