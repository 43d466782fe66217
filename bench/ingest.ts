/**
 * `npm run bench -- ingest`: the email channel's intake speed, through the real intake and engine.
 *
 * - Arrival latency: IMAP APPEND on a real Dovecot → the run it starts is running (the engine's
 *   queued→running transition, stamped by PostgreSQL). Baseline in the same run: a bare imapflow
 *   client in IDLE on the same mailbox, time to its EXISTS event for the same APPEND.
 * - Import throughput: a generated 10,000-message mbox (2,000 with --quick) through
 *   `importMessages` and the real intake into queued runs; peak RSS of this process meanwhile.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { pino } from 'pino';
import { createImapListener } from '../src/channels/email/imap-listener.ts';
import { importMessages } from '../src/channels/email/importer.ts';
import type { IntakePort } from '../src/channels/email/intake-port.ts';
import { mboxEntry } from '../src/channels/email/mbox.ts';
import { startDovecot } from '../test/harness/dovecot.ts';
import { stopPrivateCluster, testDatabase } from '../test/harness/postgres.ts';
import { z } from 'zod';
import { defineWorkflow } from '../src/engine/define.ts';
import { createEngine } from '../src/engine/engine.ts';
import { createIntake } from '../src/intake/intake.ts';
import { testEngineSettings } from '../test/engine/settings.ts';
import { percentile, round, type BenchResult } from './types.ts';

const USER = 'bench@example.test';

function msg(i: number, size = 2000): Buffer {
  const body = `Invoice ${i}\n${'Lorem ipsum dolor sit amet. '.repeat(Math.ceil(size / 28))}`.slice(0, size);
  return Buffer.from(`Message-ID: <bench-${i}-${crypto.randomUUID()}@vendor.example>\r\nFrom: Billing <billing@vendor.example>\r\nTo: ap@example.test\r\nSubject: Invoice ${i}\r\nDate: Fri, 20 Nov 2026 09:12:00 +0000\r\n\r\n${body}\r\n`);
}

export async function bench(opts: { quick?: boolean }): Promise<BenchResult> {
  const samples = opts.quick ? 20 : 100;
  const importCount = opts.quick ? 2000 : 10_000;
  const log = pino({ level: 'silent' });
  const [dovecot, db] = await Promise.all([startDovecot({ users: [{ user: USER, password: 'secret' }] }), testDatabase()]);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-'));
  try {
    // --- arrival latency -------------------------------------------------------------------
    const arrived = defineWorkflow({ name: 'bench-arrival', version: 1, input: z.object({ itemId: z.string() }), async run() {
      return true;
    } });
    const engine = createEngine({ pool: db.pool, databaseUrl: db.url, settings: testEngineSettings({ concurrency: 20 }), log, pollSeconds: 0.5 });
    engine.register(arrived);
    await engine.start({ workers: true });
    const realIntake = createIntake({ pool: db.pool, engine, workflowFor: () => 'bench-arrival' });
    const runOf = new Map<string, string>();
    const intake: IntakePort = {
      async accept(item) {
        const r = await realIntake.accept({ ...item, source: { ...item.source } });
        if (item.dedupeKey && r.runId) runOf.set(item.dedupeKey, r.runId);
        return r;
      },
    };
    const startedAt = async (runId: string): Promise<number | undefined> => {
      const { rows } = await db.pool.query<{ at: Date }>(`SELECT at FROM mailroom.run_transitions WHERE run_id = $1 AND to_state = 'running' ORDER BY id LIMIT 1`, [runId]);
      return rows[0]?.at.getTime();
    };
    const listener = createImapListener({
      account: { name: 'bench', host: dovecot.host, port: dovecot.port, tls: false, allowPlain: true, user: USER, password: 'secret', mailboxes: ['INBOX'], processed: { kind: 'keyword', keyword: '$MailroomProcessed' } },
      pool: db.pool,
      intake,
      log,
    });
    await listener.start();
    const bare = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: USER, pass: 'secret' }, logger: false, disableAutoIdle: true });
    await bare.connect();
    await bare.mailboxOpen('INBOX', { readOnly: true });
    let idleSeen: (() => void) | undefined;
    bare.on('exists', () => idleSeen?.());
    const idleLoop = (async () => {
      while (bare.usable) await bare.idle();
    })();
    const appender = await dovecot.client(USER);
    const arrival: number[] = [];
    const idle: number[] = [];
    for (let i = 0; i < samples; i++) {
      const bytes = msg(i);
      const key = /Message-ID: <([^>]+)>/.exec(bytes.toString())![1]!;
      const idleP = new Promise<number>((resolve) => (idleSeen = () => resolve(Date.now())));
      const t0 = Date.now();
      await appender.append('INBOX', bytes);
      const tIdle = await idleP;
      let started: number | undefined;
      while (started === undefined) {
        const runId = runOf.get(key);
        started = runId ? await startedAt(runId) : undefined;
        if (started === undefined) await new Promise((r) => setTimeout(r, 2));
      }
      idle.push(tIdle - t0);
      arrival.push(started - t0);
      await listener.idle();
      await new Promise((r) => setTimeout(r, 20)); // let both clients settle back into IDLE
    }
    await appender.logout();
    await bare.logout().catch(() => bare.close());
    await idleLoop.catch(() => undefined);
    await listener.stop();

    // --- import throughput -----------------------------------------------------------------
    const mbox = path.join(tmp, 'history.mbox');
    const fd = fs.openSync(mbox, 'w');
    for (let i = 0; i < importCount; i++) fs.writeSync(fd, mboxEntry(msg(100_000 + i, 3000)));
    fs.closeSync(fd);
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const t0 = performance.now();
    // Into queued runs: the intake starts runs, but no worker executes them during the import.
    await engine.stop();
    const producer = createEngine({ pool: db.pool, databaseUrl: db.url, settings: testEngineSettings(), log });
    producer.register(arrived);
    await producer.start({ workers: false });
    const queuedIntake = createIntake({ pool: db.pool, engine: producer, workflowFor: () => 'bench-arrival' });
    const summary = await importMessages({ pool: db.pool, intake: queuedIntake, source: mbox, concurrency: 8 });
    await producer.stop();
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const imported = summary.imported + summary.duplicates;

    const a50 = percentile(arrival, 50);
    const a95 = percentile(arrival, 95);
    const i50 = percentile(idle, 50);
    const i95 = percentile(idle, 95);
    const perSec = imported / seconds;
    const rssMb = peak / 1024 / 1024;
    return {
      title: `Email ingest (${samples} APPENDs on Dovecot → run started; import of ${importCount} messages into queued runs)`,
      rows: [
        { metric: 'arrival latency p50 (APPEND → run started) vs bare IDLE EXISTS', mailroom: round(a50), baseline: round(i50), ratio: round(a50 / i50), unit: 'ms' },
        { metric: 'arrival latency p95 vs bare IDLE EXISTS (target ≤ 1000 ms, ≤ 1.2×)', mailroom: round(a95), baseline: round(i95), ratio: round(a95 / i95), unit: 'ms' },
        { metric: `import throughput (${importCount}-message mbox, target ≥ 300)`, mailroom: round(perSec), baseline: null, ratio: null, unit: 'msg/s' },
        { metric: 'import peak RSS of this process (target ≤ 300)', mailroom: round(rssMb), baseline: null, ratio: null, unit: 'MB' },
      ],
      json: {
        arrival_latency_p50_ms: round(a50),
        arrival_latency_p95_ms: round(a95),
        idle_latency_p95_ms: round(i95),
        arrival_to_idle_ratio: round(a95 / i95),
        import_msgs_per_s: round(perSec),
        import_rss_mb: round(rssMb),
      },
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await Promise.all([dovecot.stop(), db.close()]);
    await stopPrivateCluster();
  }
}
