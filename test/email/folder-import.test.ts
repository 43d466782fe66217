/**
 * The watched inbox folder and `mailroom import` (mbox and folder, resumable) with intake doubles.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { startFolderSource } from '../../src/channels/email/folder-source.ts';
import { importMessages } from '../../src/channels/email/importer.ts';
import { mboxEntry, readMbox } from '../../src/channels/email/mbox.ts';
import { makeTempDir, stopPrivateCluster, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { dbIntake, message, recordingIntake, until } from './doubles.ts';

const log = pino({ level: 'silent' });
after(() => stopPrivateCluster());

test('a file dropped into the inbox folder is taken in within a second and moved to processed/; an empty one goes to failed/ with the reason', async () => {
  const dir = makeTempDir('mailroom-inbox-');
  const intake = recordingIntake();
  const source = startFolderSource({ dir, intake, log, settleMs: 50 });
  try {
    const t0 = Date.now();
    fs.writeFileSync(path.join(dir, 'a.eml.tmp'), message('folder-1'));
    fs.renameSync(path.join(dir, 'a.eml.tmp'), path.join(dir, 'a.eml'));
    fs.writeFileSync(path.join(dir, 'empty.eml'), '');
    await intake.waitFor(1, 3000);
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(intake.runs[0]!.dedupeKey, 'folder-1@vendor.example');
    await until(() => fs.readdirSync(path.join(dir, 'failed')).length === 2 && fs.readdirSync(path.join(dir, 'processed')).length === 1, 3000, 'moves');
    const err = fs.readdirSync(path.join(dir, 'failed')).find((f) => f.endsWith('.error.txt'))!;
    assert.match(fs.readFileSync(path.join(dir, 'failed', err), 'utf8'), /empty file/);
    // Intake down: the file stays and is taken in on a later scan.
    intake.failNext(1);
    fs.writeFileSync(path.join(dir, 'b.eml'), message('folder-2'));
    await until(() => intake.runs.length === 2, 8000, 'retry after outage');
  } finally {
    await source.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('mailroom import', () => {
  let db: TestDatabase;
  let dir: string;
  before(async () => {
    db = await testDatabase();
    dir = makeTempDir('mailroom-import-');
  });
  after(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the mbox reader yields each message with ">From " unescaped and byte offsets to resume from', async () => {
    const file = path.join(dir, 'r.mbox');
    fs.writeFileSync(file, Buffer.concat([mboxEntry(message('r1', 'one', 'From the start\nline')), mboxEntry(message('r2', 'two'))]));
    const all = [];
    for await (const m of readMbox(file)) all.push(m);
    assert.equal(all.length, 2);
    assert.match(all[0]!.bytes.toString(), /\nFrom the start\n/);
    const resumed = [];
    for await (const m of readMbox(file, { start: all[1]!.start })) resumed.push(m);
    assert.equal(resumed.length, 1);
    assert.equal(resumed[0]!.bytes.toString(), all[1]!.bytes.toString());
  });

  test('an interrupted mbox import resumes from its checkpoint: every message accepted, none run twice', async () => {
    const file = path.join(dir, 'history.mbox');
    fs.writeFileSync(file, Buffer.concat(Array.from({ length: 60 }, (_, i) => mboxEntry(message(`h-${i}`, `msg ${i}`)))));
    const intake = dbIntake(db.pool);
    const first = await importMessages({ pool: db.pool, intake, source: file, limit: 25, concurrency: 4 });
    assert.equal(first.done, false);
    assert.ok(first.position > 0 && first.position < first.total);
    const second = await importMessages({ pool: db.pool, intake, source: file, concurrency: 4 });
    assert.equal(second.done, true);
    assert.ok(second.resumedFrom > 0);
    const { rows } = await db.pool.query<{ n: string; uniq: string }>(`SELECT count(*) FILTER (WHERE NOT duplicate) AS n, count(DISTINCT dedupe_key) AS uniq FROM mailroom.email_deliveries WHERE channel = 'import'`);
    assert.equal(Number(rows[0]!.n), 60);
    assert.equal(Number(rows[0]!.uniq), 60);
    const third = await importMessages({ pool: db.pool, intake, source: file });
    assert.equal(third.done, true, 'a finished import does nothing');
  });

  test('a folder of .eml files imports in name order and resumes by file index', async () => {
    const folder = path.join(dir, 'eml');
    fs.mkdirSync(folder);
    for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(folder, `${String(i).padStart(3, '0')}.eml`), message(`fo-${i}`));
    const intake = recordingIntake();
    const a = await importMessages({ pool: db.pool, intake, source: folder, limit: 5, concurrency: 1 });
    assert.equal(a.position, 5);
    const b = await importMessages({ pool: db.pool, intake, source: folder });
    assert.equal(b.done, true);
    assert.equal(intake.runs.length, 12);
  });
});
