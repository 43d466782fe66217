/**
 * Chaos: `mailroom start` (a real process, embedded PostgreSQL) SIGKILLed at random moments.
 *
 *  1. N mails (200; 40 with --quick) are dropped into the watched folder in bursts while the
 *     service is killed between bursts, every other kill taking its postmaster with it in the same
 *     instant. The service runs under a parent that never reaps (see test/db/service-process.ts),
 *     so a killed postmaster stays a zombie, as under a container PID 1 that does not reap.
 *  2. Half the mails are support requests policy answers at once (auto-sent to a real SMTP peer),
 *     half wait for a person; those are approved over the HTTP API (castVote, as the CLI and Slack)
 *     while the service is killed again.
 *
 * Counted at the end, from the database and the SMTP peer: `lost` (a mail without a completed run
 * or a person deciding), `duplicated_runs` (a second workflow run for one mail, or a run completed
 * twice), `duplicate_deliveries` (the same Message-ID received twice), and for every restart the
 * time from the kill until /healthz answers 200. Kill times come from a seeded generator, so two
 * runs kill at the same moments (the machine's speed still decides what is in flight then).
 */
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { createPool } from '../src/db/database.ts';
import { freePort } from '../src/db/embedded.ts';
import { mailroomAsync } from '../test/harness/cli.ts';
import { makeTempDir } from '../test/harness/postgres.ts';
import { repoRoot } from '../test/harness/shared.ts';
import { startSmtpSink } from '../test/harness/smtp-sink.ts';
import { accountMail, canLeaveZombies, dropMail, postmasterOf, startServiceProcess, supportMail, waitHealthy, type ServiceProcess } from '../test/db/service-process.ts';
import { percentile, round, type BenchResult } from './types.ts';

const TOKEN = 'chaos:chaos-bench-secret-0123456789';
const HEALTHY_WITHIN_MS = 180_000;
const SETTLE_WITHIN_MS = 900_000;

/** mulberry32: a small seeded generator, so the kill schedule is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function bench(opts: { quick?: boolean }): Promise<BenchResult> {
  const started = Date.now();
  const n = opts.quick ? 40 : 200;
  const intakeKills = opts.quick ? 4 : 10;
  const approvalKills = opts.quick ? 2 : 4;
  const random = seeded(12);
  const dataDir = makeTempDir('mailroom-chaos-');
  const inbox = path.join(dataDir, 'inbox');
  const smtp = await startSmtpSink();
  const policy = path.join(dataDir, 'policy.yaml');
  fs.writeFileSync(policy, 'confidence_threshold: 0.3\napprovers: [api:chaos]\nsupport:\n  auto_send_categories: [technical]\n  survey: false\n');
  const env = {
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Mailroom <support@mailroom.example>',
    MAILROOM_POLICY: policy,
    MAILROOM_API_TOKEN: TOKEN,
    OUTBOX_RETRY_BASE_MS: '500',
    OUTBOX_RETRY_MAX_MS: '5000',
    OUTBOX_POLL_MS: '500',
    OUTBOX_MAX_ATTEMPTS: '100',
    LOG_LEVEL: 'warn',
  };
  const kb = await mailroomAsync(['data', 'import', 'kb', path.join(repoRoot, 'examples', 'data', 'kb')], { MAILROOM_DATA_DIR: dataDir, DATABASE_URL: '', MAILROOM_POLICY: policy, LOG_LEVEL: 'warn' });
  if (kb.status !== 0) throw new Error(`kb import failed: ${kb.stderr}`);

  const port = await freePort();
  const services: ServiceProcess[] = [];
  const start = async () => {
    const s = await startServiceProcess({ dataDir, port, env, noReaper: canLeaveZombies });
    services.push(s);
    return s;
  };
  let current: ServiceProcess | undefined;
  const pools = new Map<string, pg.Pool>();
  try {
    current = await start();
    await waitHealthy(current, HEALTHY_WITHIN_MS);
    return await chaos();
  } finally {
    // Whatever happened: every service and wrapper stopped, and no postmaster left behind.
    for (const s of services) await s.stop();
    for (const p of pools.values()) await p.end().catch(() => undefined);
    const orphan = postmasterOf(dataDir);
    if (orphan) {
      try {
        process.kill(orphan, 'SIGINT');
        await sleep(3000);
      } catch {
        // gone
      }
    }
    await smtp.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  async function chaos(): Promise<BenchResult> {
    // The bench's own connection follows the cluster to whatever port its lock file names.
    const query = async <R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> => {
      const lock = fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
      const url = `postgres://mailroom:mailroom@127.0.0.1:${lock[3]}/mailroom`;
      if (!pools.has(url)) pools.set(url, createPool(url, 3));
      return (await pools.get(url)!.query<R>(sql, values)).rows;
    };

    let kills = 0;
    let withPostgres = 0;
    let recovered = 0;
    const recoveries: number[] = [];
    const killAndRestart = async () => {
      const takePostgres = kills % 2 === 1;
      const t0 = Date.now();
      current!.killHard({ withPostgres: takePostgres, dataDir });
      kills++;
      if (takePostgres) withPostgres++;
      await current!.exited;
      for (let tries = 0; tries < 3; tries++) {
        current = await start();
        try {
          await waitHealthy(current, HEALTHY_WITHIN_MS);
          if (tries === 0) {
            recovered++;
            recoveries.push(Date.now() - t0);
          }
          return;
        } catch (err) {
          console.error(`chaos: restart after kill ${kills} did not become healthy: ${String(err).slice(0, 600)}`);
          await current.stop();
        }
      }
      throw new Error('the service would not come back; stopping the benchmark');
    };

    /** Per mail: its item, its support run's state, and whether a person is asked (pending approval). */
    const standing = async () =>
      query<{ message_id: string; item: string | null; state: string | null; pending: number }>(
        `SELECT m.id AS message_id, i.id AS item, s.state,
                (SELECT count(*) FROM mailroom.approvals a WHERE a.run_id = s.id AND a.status = 'pending') AS pending
           FROM unnest($1::text[]) AS m(id)
           LEFT JOIN mailroom.items i ON i.kind = 'email' AND i.dedupe_key = m.id
           LEFT JOIN mailroom.runs s ON s.parent_run_id = i.run_id AND s.workflow = 'support'`,
        [messageIds],
      );
    /** Mails whose support run completed, or (before the approvals) waits for a person. */
    const handled = (rows: Awaited<ReturnType<typeof standing>>, approvalsDone: boolean) =>
      new Set(rows.filter((r) => r.item && (r.state === 'completed' || (!approvalsDone && r.state === 'waiting' && r.pending > 0))).map((r) => r.message_id)).size;
    const waitSettled = async (approvalsDone: boolean) => {
      const until = Date.now() + SETTLE_WITHIN_MS;
      for (;;) {
        const rows = await standing().catch(() => []);
        if (handled(rows, approvalsDone) === n) return;
        if (Date.now() > until) return;
        await sleep(1000);
      }
    };

    // Phase 1: intake in bursts, killed between them.
    const mails = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? supportMail('chaos', i + 1) : accountMail('chaos', i + 1)));
    // As intake stores them (normaliseMessageId): no brackets, the domain lower-cased.
    const messageIds = mails.map((m) => /^Message-ID: <([^>]+)>/m.exec(m)![1]!);
    const bursts = intakeKills + 1;
    for (let b = 0; b < bursts; b++) {
      const from = Math.floor((b * n) / bursts);
      const to = Math.floor(((b + 1) * n) / bursts);
      for (let i = from; i < to; i++) dropMail(inbox, `mail-${i + 1}`, mails[i]!);
      if (b === bursts - 1) break;
      await sleep(1000 + random() * 5000);
      await killAndRestart();
    }
    await waitSettled(false);

    // Phase 2: a person approves what waits, while the service is killed again.
    const api = `http://127.0.0.1:${port}/api/v1`;
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    let approvals = 0;
    let killing = true;
    const killer = (async () => {
      for (let k = 0; k < approvalKills; k++) {
        await sleep(500 + random() * 3000);
        await killAndRestart();
      }
      killing = false;
    })();
    const approver = (async () => {
      for (;;) {
        const pending = await fetch(`${api}/approvals?status=pending`, { headers, signal: AbortSignal.timeout(10_000) })
          .then(async (r) => (r.ok ? ((await r.json()) as { approvals: Array<{ id: string; version: number }> }).approvals : undefined))
          .catch(() => undefined);
        if (pending && pending.length === 0 && !killing) return;
        for (const a of pending ?? []) {
          const res = await fetch(`${api}/approvals/${a.id}/decision`, { method: 'POST', headers, body: JSON.stringify({ decision: 'approve', version: a.version }), signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
          if (res?.ok) approvals++;
          await sleep(20);
        }
        await sleep(300);
      }
    })();
    await Promise.all([killer, approver]);
    await waitSettled(true);

    // Replies: let the outbox drain, then count what the peer received.
    const drainUntil = Date.now() + 300_000;
    let outbox: Array<{ status: string; n: number }> = [];
    while (Date.now() < drainUntil) {
      outbox = await query<{ status: string; n: number }>(`SELECT status, count(*) AS n FROM mailroom.outbox GROUP BY status`).catch(() => outbox);
      if (outbox.every((r) => r.status === 'sent') && smtp.messages.length >= outbox.reduce((s, r) => s + r.n, 0)) break;
      await sleep(500);
    }
    await sleep(2000);

    const rows = await standing();
    const lost = n - handled(rows, false);
    const extraChildren = await query<{ n: number }>(
      `SELECT coalesce(sum(c - 1), 0)::int AS n FROM (SELECT count(*) AS c FROM mailroom.runs WHERE parent_run_id IS NOT NULL GROUP BY parent_run_id, workflow HAVING count(*) > 1) x`,
    );
    const twiceCompleted = await query<{ n: number }>(`SELECT count(*) AS n FROM (SELECT run_id FROM mailroom.run_transitions WHERE to_state = 'completed' GROUP BY run_id HAVING count(*) > 1) x`);
    const crashLooped = await query<{ n: number }>(`SELECT count(*) AS n FROM mailroom.runs WHERE state = 'failed'`);
    const ids = smtp.messages.map((m) => m.headers.messageId ?? '');
    const duplicateDeliveries = ids.length - new Set(ids).size;
    const sentRows = outbox.find((r) => r.status === 'sent')?.n ?? 0;

    const json = {
      mails: n,
      kills,
      kills_with_postgres: withPostgres,
      lost,
      duplicated_runs: extraChildren[0]!.n + twiceCompleted[0]!.n,
      duplicate_deliveries: duplicateDeliveries,
      failed_runs: crashLooped[0]!.n,
      recovered_restarts: recovered,
      recovery_p50_ms: round(percentile(recoveries, 50), 0),
      recovery_p95_ms: round(percentile(recoveries, 95), 0),
      approvals_given: approvals,
      replies_sent: sentRows,
      replies_received: ids.length,
      chaos_seconds: round((Date.now() - started) / 1000, 0),
    };
    const row = (metric: string, value: number, unit: string) => ({ metric, mailroom: value, baseline: null, ratio: null, unit });
    return {
      title: `Chaos: ${n} mails, ${kills} SIGKILLs (${withPostgres} with PostgreSQL)${canLeaveZombies ? ', zombies left unreaped' : ''}`,
      rows: [
        row('mails lost (no completed run, nobody asked)', json.lost, 'mails'),
        row('duplicated runs', json.duplicated_runs, 'runs'),
        row('duplicate deliveries (same Message-ID twice)', json.duplicate_deliveries, 'mails'),
        row('failed runs', json.failed_runs, 'runs'),
        row('restarts healthy again', json.recovered_restarts, `of ${kills}`),
        row('kill → healthy p50', json.recovery_p50_ms, 'ms'),
        row('kill → healthy p95', json.recovery_p95_ms, 'ms'),
        row('approvals given while killed', json.approvals_given, 'votes'),
        row('replies received by the SMTP peer', json.replies_received, 'mails'),
      ],
      json,
    };
  }
}
