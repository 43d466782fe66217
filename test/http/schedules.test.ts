/**
 * Schedules on pg-boss's scheduler: two real `mailroom worker` processes against one database
 * with the same triggers file, and an occurrence starts exactly one run; `mailroom schedules`
 * shows it. And one occurrence fired twice (a retried or duplicated job) is still one run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { loadTriggers } from '../../src/triggers/file.ts';
import { catchUpMissed, openScheduler } from '../../src/triggers/scheduler.ts';
import { loadConfig } from '../../src/config.ts';
import { mailroomAsync } from '../harness/cli.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { repoRoot } from '../harness/shared.ts';
import { testEngineSettings } from '../engine/settings.ts';
import { eventually } from './service.ts';

// The router is a shipped workflow every worker runs; this item does not exist, so each run
// fails at once, which is all this test needs: runs are counted, not their outcome.
const ITEM = '00000000-0000-4000-8000-0000000000aa';
const TRIGGERS = `
schedules:
  every-minute:
    cron: "* * * * *"
    workflow: router
    input: { itemId: "${ITEM}" }
`;

describe('schedules', () => {
  let db: TestDatabase;
  let dataDir: string;
  const workers: ChildProcess[] = [];
  before(async () => {
    db = await testDatabase();
    dataDir = makeTempDir('mailroom-schedules-');
    fs.writeFileSync(path.join(dataDir, 'triggers.yaml'), TRIGGERS);
  });
  after(async () => {
    await Promise.all(
      workers.map((w) =>
        w.exitCode !== null ? undefined : new Promise((resolve) => {
          w.once('exit', resolve);
          w.kill('SIGTERM');
        }),
      ),
    );
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: dataDir, MAILROOM_TRIGGERS: path.join(dataDir, 'triggers.yaml'), LOG_LEVEL: 'info' });

  test('with two worker processes an occurrence starts exactly one run, and `mailroom schedules` shows it', async () => {
    const logs: string[] = ['', ''];
    for (const i of [0, 1]) {
      const w = spawn(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), 'worker'], { env: { ...process.env, ...env() }, cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
      w.stderr!.on('data', (d) => (logs[i] += d));
      workers.push(w);
    }
    const startedAt = Date.now();
    const scheduled = () => db.pool.query<{ occurrence_at: Date; run_id: string; key: string }>(
      `SELECT s.occurrence_at, s.run_id, r.idempotency_key AS key FROM mailroom.schedule_runs s JOIN mailroom.runs r ON r.id = s.run_id WHERE s.schedule = 'every-minute' ORDER BY s.occurrence_at`,
    );
    // `* * * * *` is due as soon as a cron pass sees it (its minute began less than a minute ago).
    await eventually(async () => ((await scheduled()).rowCount ? true : undefined), 90_000, `a scheduled run (worker logs: ${logs.join('\n').slice(-2000)})`);
    // Give both workers' timekeepers several passes over the same occurrence.
    await new Promise((r) => setTimeout(r, 12_000));
    const fired = (await scheduled()).rows;
    const runs = (await db.pool.query<{ idempotency_key: string }>(`SELECT idempotency_key FROM mailroom.runs WHERE started_by = 'schedule:every-minute'`)).rows;
    const minutes = Math.ceil((Date.now() - startedAt) / 60_000) + 1;
    assert.ok(fired.length >= 1 && fired.length <= minutes, `${fired.length} runs in ${minutes} minute(s)`);
    assert.equal(runs.length, fired.length, 'every scheduled run is recorded against its occurrence');
    assert.equal(new Set(fired.map((f) => f.occurrence_at.toISOString())).size, fired.length, 'one run per occurrence');
    for (const f of fired) {
      assert.equal(f.occurrence_at.getUTCSeconds(), 0, 'occurrences of a minute schedule fall on the minute');
      assert.equal(f.key, `schedule:every-minute:${f.occurrence_at.toISOString()}`);
    }
    // Both workers were up and keeping time.
    for (const log of logs) assert.match(log, /mailroom worker ready/);

    const cli = await mailroomAsync(['schedules', '--json'], { ...env(), LOG_LEVEL: 'silent' });
    assert.equal(cli.status, 0, cli.stderr);
    const [row] = cli.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(row.name, 'every-minute');
    assert.equal(row.workflow, 'router');
    assert.equal(row.registered, true);
    assert.ok(new Date(row.next_fire_at).getTime() > Date.now() - 1000, 'the next fire time is ahead');
    // A new minute may begin while the CLI runs, so the last run it shows is the latest one
    // recorded before or since `fired` was read, never an older one.
    const since = (await scheduled()).rows;
    const shown = since.find((f) => f.run_id === row.last_run.run_id);
    assert.ok(shown, `the last run shown (${row.last_run.run_id}) is a scheduled run`);
    assert.ok(shown.occurrence_at >= fired.at(-1)!.occurrence_at, 'the last run shown is the latest occurrence');
  });

  test('firing one occurrence twice (a retried or duplicated job) starts one run', async () => {
    const log = pino({ level: 'silent' });
    const noop = defineWorkflow({ name: 'sched-noop', version: 1, input: z.object({ n: z.number() }), run: async (input) => input.n });
    const engine = createEngine({ pool: db.pool, databaseUrl: db.url, settings: testEngineSettings(), log });
    engine.register(noop);
    await engine.start({ workers: false });
    const scheduler = await openScheduler({ databaseUrl: db.url, pool: db.pool, engine, triggers: loadTriggers(loadConfig({})), log, mode: 'read' });
    try {
      const data = { schedule: 'twice', workflow: 'sched-noop', input: { n: 1 }, cron: '0 7 * * *', tz: 'UTC' };
      const at = new Date('2026-03-02T07:00:00.000Z');
      const [a, b] = await Promise.all([scheduler.fire(data, at), scheduler.fire(data, at)]);
      assert.equal(a!.runId, b!.runId);
      assert.deepEqual([a!.created, b!.created].sort(), [false, true]);
      const next = await scheduler.fire(data, new Date('2026-03-03T07:00:00.000Z'));
      assert.notEqual(next!.runId, a!.runId, 'the next occurrence is a new run');
      assert.equal(await scheduler.fire({ ...data, workflow: 'not-installed' }, at), undefined);
    } finally {
      await scheduler.stop();
      await engine.stop();
    }
  });

  test('an occurrence missed while nothing kept time runs once on start if it is within catch_up and the schedule ran before; older, or never run before: not', async () => {
    const log = pino({ level: 'silent' });
    const noop = defineWorkflow({ name: 'catch-noop', version: 1, input: z.object({ n: z.number() }), run: async (input) => input.n });
    const engine = createEngine({ pool: db.pool, databaseUrl: db.url, settings: testEngineSettings(), log });
    engine.register(noop);
    await engine.start({ workers: false });
    const file = path.join(dataDir, 'catch-up.yaml');
    fs.writeFileSync(file, `schedules:
  daily: { cron: "0 7 * * *", workflow: catch-noop, input: { n: 1 } }
  fresh: { cron: "0 7 * * *", workflow: catch-noop, input: { n: 2 } }
  never: { cron: "0 7 * * *", workflow: catch-noop, input: { n: 3 }, catch_up: 0 }
`);
    const triggers = loadTriggers(loadConfig({ MAILROOM_TRIGGERS: file }));
    assert.equal(triggers.schedules.get('daily')!.catch_up, 3_600_000, 'one hour by default');
    const scheduler = await openScheduler({ databaseUrl: db.url, pool: db.pool, engine, triggers, log, mode: 'read' });
    try {
      const data = (name: string, n: number) => ({ schedule: name, workflow: 'catch-noop', input: { n }, cron: '0 7 * * *', tz: 'UTC' });
      // `daily` and `never` ran yesterday; `fresh` never ran (added today).
      await scheduler.fire(data('daily', 1), new Date('2026-03-01T07:00:00.000Z'));
      await scheduler.fire(data('never', 3), new Date('2026-03-01T07:00:00.000Z'));
      const late = await catchUpMissed(scheduler, db.pool, triggers, log, new Date('2026-03-02T09:30:00.000Z'));
      assert.deepEqual(late, [], 'two and a half hours late is past catch_up');
      const caught = await catchUpMissed(scheduler, db.pool, triggers, log, new Date('2026-03-02T07:40:00.000Z'));
      assert.deepEqual(caught.map((c) => [c.schedule, c.occurrence.toISOString()]), [['daily', '2026-03-02T07:00:00.000Z']]);
      const run = (await db.pool.query('SELECT idempotency_key, started_by FROM mailroom.runs WHERE id = $1', [caught[0]!.runId])).rows[0];
      assert.deepEqual(run, { idempotency_key: 'schedule:daily:2026-03-02T07:00:00.000Z', started_by: 'schedule:daily' });
      assert.deepEqual(await catchUpMissed(scheduler, db.pool, triggers, log, new Date('2026-03-02T07:41:00.000Z')), [], 'once: the occurrence now has its run');
    } finally {
      await scheduler.stop();
      await engine.stop();
    }
  });
});
