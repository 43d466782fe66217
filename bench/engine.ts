/**
 * Engine benchmark, on one embedded PostgreSQL in one run:
 *  - raw pg-boss no-op jobs per second (insert in batches, work in batches, complete) — baseline;
 *  - single-row autocommit INSERTs per second from 50 clients: the database's commit ceiling on
 *    this machine, for context (a five-step run writes eight times: start, claim, five steps,
 *    end; the engine commits the writes of runs that land at the same moment together);
 *  - five-step no-op workflow runs per second, each step checkpointed — Mailroom;
 *  - resume latency: event sent → waiting run marked running again (p50/p95);
 *  - peak RSS of this process while 10,000 queued runs are executed.
 */
import { pino } from 'pino';
import { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { createPool } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { defineWorkflow } from '../src/engine/define.ts';
import { createEngine } from '../src/engine/engine.ts';
import { loadConfig } from '../src/config.ts';
import { startTestCluster } from '../test/harness/postgres.ts';
import { percentile, round, type BenchResult } from './types.ts';

const silent = pino({ level: 'silent' });

const noop5 = defineWorkflow({
  name: 'bench-noop5',
  version: 1,
  input: z.object({ i: z.number() }),
  concurrency: 50,
  async run(input, step) {
    for (let s = 1; s <= 5; s++) await step.run(`s${s}`, async () => s);
    return input.i;
  },
});

const waiter = defineWorkflow({
  name: 'bench-waiter',
  version: 1,
  input: z.object({ key: z.string() }),
  concurrency: 50,
  async run(input, step) {
    await step.waitForEvent('bench.go', { key: input.key });
    return true;
  },
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('benchmark timed out');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function rawPgBoss(url: string, n: number): Promise<number> {
  const boss = new PgBoss({ connectionString: url, schema: 'bench_raw', useListenNotify: true, max: 10 });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('noop', { notify: true });
  let done = 0;
  const t0 = performance.now();
  await boss.work('noop', { batchSize: 100, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true }, async (jobs) => {
    done += jobs.length;
  });
  for (let i = 0; i < n; i += 500) {
    await boss.insert('noop', Array.from({ length: Math.min(500, n - i) }, (_, k) => ({ data: { i: i + k } })));
  }
  await waitUntil(async () => done >= n, 120_000);
  const secs = (performance.now() - t0) / 1000;
  await boss.stop({ graceful: false });
  return n / secs;
}

/** Durable single-row commits per second with 50 clients, each waiting for its own. */
async function commitCeiling(url: string, n: number): Promise<number> {
  const pool = createPool(url, 50);
  try {
    await pool.query('CREATE TABLE IF NOT EXISTS public.bench_commits (id bigserial PRIMARY KEY, v jsonb)');
    let sent = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (sent < n) {
          sent += 1;
          await pool.query({ name: 'bench_commit', text: 'INSERT INTO public.bench_commits (v) VALUES ($1)', values: ['{"s":1}'] });
        }
      }),
    );
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await pool.query('DROP TABLE IF EXISTS public.bench_commits').catch(() => undefined);
    await pool.end();
  }
}

export async function bench(opts: { quick?: boolean }): Promise<BenchResult> {
  const cluster = await startTestCluster();
  const url = cluster.url;
  const pool = createPool(url, 40);
  try {
    await migrate(pool, silent);
    const nRaw = opts.quick ? 2000 : 10_000;
    const nRuns = opts.quick ? 500 : 2000;
    const nResume = opts.quick ? 50 : 200;
    const nQueued = opts.quick ? 2000 : 10_000;

    const rawPerSec = await rawPgBoss(url, nRaw);
    const commitsPerSec = await commitCeiling(url, opts.quick ? 2000 : 10_000);

    const settings = { ...loadConfig({}).engine, concurrency: 50, leaseMs: 30_000 };
    const engine = createEngine({ pool, databaseUrl: url, settings, log: silent, pollSeconds: 0.5 });
    engine.register(noop5, waiter);
    await engine.start({ workers: true });
    const count = async (wf: string, state: string) =>
      (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM mailroom.runs WHERE workflow = $1 AND state = $2', [wf, state])).rows[0]!.n;

    // Five-step runs per second: start them concurrently (as intake would), wait for all. The
    // end is the last run's finished_at, so the polling (kept slow, it competes for the same
    // database) does not add to the time measured.
    const t0 = Date.now();
    for (let i = 0; i < nRuns; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, nRuns - i) }, (_, k) => engine.startRun(noop5, { i: i + k })));
    }
    await waitUntil(async () => (await count('bench-noop5', 'completed')) >= nRuns, 300_000, 200);
    const { rows: last } = await pool.query<{ at: Date }>(`SELECT max(finished_at) AS at FROM mailroom.runs WHERE workflow = 'bench-noop5'`);
    const runsPerSec = nRuns / ((last[0]!.at.getTime() - t0) / 1000);

    // Resume latency: each run waits; we send its event and time until it is running again.
    const latencies: number[] = [];
    for (let i = 0; i < nResume; i++) {
      const { runId } = await engine.startRun(waiter, { key: `k${i}` });
      await engine.waitForRun(runId, { states: ['waiting'] });
      const sent = Date.now();
      await engine.sendEvent('bench.go', `k${i}`, {});
      await engine.waitForRun(runId, { states: ['completed'] });
      const { rows } = await pool.query<{ at: Date }>(
        `SELECT at FROM mailroom.run_transitions WHERE run_id = $1 AND from_state = 'waiting' AND to_state = 'running' ORDER BY id LIMIT 1`,
        [runId],
      );
      latencies.push(rows[0]!.at.getTime() - sent);
    }

    // RSS with 10,000 queued runs: queue them all first (workers busy on nothing), then let them run.
    await engine.stop();
    const producer = createEngine({ pool, databaseUrl: url, settings, log: silent });
    producer.register(noop5);
    await producer.start({ workers: false });
    const base = await count('bench-noop5', 'completed');
    for (let i = 0; i < nQueued; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, nQueued - i) }, (_, k) => producer.startRun(noop5, { i: i + k })));
    }
    await producer.stop();
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const worker = createEngine({ pool, databaseUrl: url, settings, log: silent, pollSeconds: 0.5 });
    worker.register(noop5);
    await worker.start({ workers: true });
    await waitUntil(async () => (await count('bench-noop5', 'completed')) >= base + nQueued, 600_000);
    clearInterval(sampler);
    await worker.stop();
    const rssMb = peak / 1024 / 1024;

    const json = {
      raw_jobs_per_s: round(rawPerSec, 1),
      runs_per_s: round(runsPerSec, 1),
      runs_to_raw_ratio: round(runsPerSec / rawPerSec, 3),
      db_commits_per_s: round(commitsPerSec, 1),
      resume_latency_p50_ms: percentile(latencies, 50),
      resume_latency_p95_ms: percentile(latencies, 95),
      rss_mb_10k_queued: round(rssMb, 1),
    };
    return {
      title: `engine (embedded PostgreSQL; ${nRuns} five-step runs, ${nRaw} raw jobs, ${nResume} resumes, ${nQueued} queued runs)`,
      rows: [
        { metric: 'throughput (five-step runs vs raw no-op jobs)', mailroom: json.runs_per_s, baseline: json.raw_jobs_per_s, ratio: json.runs_to_raw_ratio, unit: 'per s' },
        { metric: 'context: single-row autocommits from 50 clients (a five-step run writes 8 times, grouped across runs)', mailroom: json.db_commits_per_s, baseline: null, ratio: null, unit: 'per s' },
        { metric: 'resume latency p50 (event → running)', mailroom: json.resume_latency_p50_ms, baseline: null, ratio: null, unit: 'ms' },
        { metric: 'resume latency p95', mailroom: json.resume_latency_p95_ms, baseline: null, ratio: null, unit: 'ms' },
        { metric: `peak RSS while ${nQueued} queued runs execute`, mailroom: json.rss_mb_10k_queued, baseline: null, ratio: null, unit: 'MB' },
      ],
      json,
    };
  } finally {
    await pool.end();
    await cluster.stop();
  }
}
