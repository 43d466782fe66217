/**
 * The whole service for the fault tests: createApp's own wiring on a fresh database with the
 * example vendors, purchase orders and knowledge base, items handed to the real intake, and a
 * wait until every item has settled (its router run ended, the workflow it started is waiting
 * for a person or done).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { castVote, getApproval } from '../../src/approvals/store.ts';
import { loadConfig } from '../../src/config.ts';
import { readCsv } from '../../src/data/csv.ts';
import { readArticles, upsertArticles } from '../../src/data/kb.ts';
import { poCsv, upsertPurchaseOrders, upsertVendors, vendorCsv } from '../../src/data/vendors.ts';
import { TERMINAL_STATES, type RunState } from '../../src/engine/types.ts';
import { normaliseMessageId } from '../../src/intake/intake.ts';
import { createApp, type App, type AppRole } from '../../src/main.ts';
import { makeTempDir, type TestDatabase } from '../harness/postgres.ts';
import { repoRoot, sharedData } from '../harness/shared.ts';

export async function startService(db: TestDatabase, env: Record<string, string>, role: AppRole = 'worker'): Promise<App> {
  const config = loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: makeTempDir('mailroom-faults-'), PORT: '0', ENGINE_RETRY_BASE_MS: '50', ...env });
  const app = await createApp(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), role);
  const examples = path.join(repoRoot, 'examples', 'data');
  await upsertVendors(db.pool, readCsv(path.join(examples, 'vendors.csv'), vendorCsv));
  await upsertPurchaseOrders(db.pool, readCsv(path.join(examples, 'pos.csv'), poCsv));
  await upsertArticles(db.pool, readArticles(path.join(examples, 'kb')));
  return app;
}

/** A labelled sample, optionally made a distinct message (another Message-ID, sender and subject) so copies are not duplicates. */
export function sampleMail(name: string, copy?: number): Buffer {
  const raw = fs.readFileSync(sharedData('samples', name), 'latin1');
  if (copy === undefined) return Buffer.from(raw, 'latin1');
  return Buffer.from(
    raw
      .replace(/^Message-ID:\s*<([^@>]+)@/im, (_m, local: string) => `Message-ID: <${local}.copy${copy}@`)
      .replace(/^(From:.*?)([\w.+-]+)@/im, (_m, head: string, local: string) => `${head}${local}.${copy}@`)
      .replace(/^Subject:(.*)$/im, (_m, subject: string) => `Subject:${subject} (${copy})`),
    'latin1',
  );
}

export async function submitMail(app: App, bytes: Buffer): Promise<{ itemId: string; runId: string }> {
  const id = /^message-id:\s*(<[^>\r\n]+>|\S+)/im.exec(bytes.subarray(0, 65536).toString('latin1'))?.[1];
  const r = await app.intake.accept({ kind: 'email', bytes, dedupeKey: normaliseMessageId(id), source: { channel: 'test' } });
  if (!r.runId || r.duplicate) throw new Error('the sample was not taken in as a new item');
  return { itemId: r.itemId, runId: r.runId };
}

export interface Settled {
  routerRunId: string;
  routerState: RunState;
  route: string | null;
  childRunId: string | null;
  childWorkflow: string | null;
  childState: RunState | null;
  /** The run of this item that is waiting (router triage or the workflow), if any. */
  waitingRunId: string | null;
}

/**
 * Waits until the item has settled: its router run ended (or waits for a person's triage) and
 * the run it started ended or waits for a person. A run waiting on a timer (a step retry, a
 * sleep) has not settled yet. Throws past the deadline, naming where the item stands.
 */
export async function settle(app: App, routerRunId: string, timeoutMs: number): Promise<Settled> {
  const until = Date.now() + timeoutMs;
  const pool = app.db.pool;
  const at = async (runId: string) => {
    for (;;) {
      const { rows } = await pool.query(`SELECT state, workflow, output FROM mailroom.runs WHERE id = $1`, [runId]);
      const run = rows[0] as { state: RunState; workflow: string; output: { route?: string; childRunId?: string | null } | null };
      if (TERMINAL_STATES.includes(run.state)) return run;
      if (run.state === 'waiting' && (await pendingApprovals(app, runId)).length) return run;
      if (Date.now() > until) throw new Error(`run ${runId} (${run.workflow}) has not settled: ${run.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const router = await at(routerRunId);
  const childRunId = router.output?.childRunId ?? null;
  const child = childRunId ? await at(childRunId) : null;
  const waitingRunId = child?.state === 'waiting' ? childRunId : router.state === 'waiting' ? routerRunId : null;
  return { routerRunId, routerState: router.state, route: router.output?.route ?? null, childRunId, childWorkflow: child?.workflow ?? null, childState: child?.state ?? null, waitingRunId };
}

/** Pending approvals of a run (what a person is asked). */
export async function pendingApprovals(app: App, runId: string): Promise<Array<{ id: string; kind: string; title: string; request: any; amount: string | null }>> {
  const { rows } = await app.db.pool.query(`SELECT id, kind, title, request, amount FROM mailroom.approvals WHERE run_id = $1 AND status = 'pending'`, [runId]);
  return rows;
}

/** Runs of this database that are neither ended nor waiting: after settling there must be none. */
export async function unsettledRuns(app: App): Promise<Array<{ id: string; workflow: string; state: string }>> {
  const { rows } = await app.db.pool.query(`SELECT id, workflow, state FROM mailroom.runs WHERE state IN ('queued', 'running')`);
  return rows;
}

/** Approves as a CLI operator, through the same vote path as Slack and the CLI. */
export async function approve(app: App, approvalId: string, approver = 'cli:alice'): Promise<void> {
  const version = (await getApproval(app.db.pool, approvalId))!.version;
  const outcome = await castVote(app.db.pool, { approvalId, approver, decision: 'approve', channel: 'cli', version }, (tx, n, k, p, src) => app.engine.sendEventInTransaction(tx, n, k, p, src));
  if (outcome.kind === 'refused') throw new Error(`vote refused: ${outcome.reason}`);
}
