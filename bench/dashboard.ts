/**
 * Dashboard benchmark, on one embedded PostgreSQL against the running service (createApp, real
 * HTTP on a loopback port, signed in with a session cookie):
 *  - the run page of a run with 200 steps, 60 decisions and a 1 MB mail (`run_page_ms_p95`),
 *    beside the JSON API's trace of the same run (GET /api/v1/runs/:id) as the baseline;
 *  - the run list's first page with 100,000 runs in the database (`runs_page_ms_p95`, also
 *    filtered by state), beside GET /api/v1/runs?limit=50;
 *    and a search that matches nothing (every run scanned: the worst case);
 *  - event → browser: a transition committed → its SSE message read by a client of
 *    /live/events (`sse_latency_p95_ms`), beside a bare LISTEN connection receiving the same
 *    NOTIFY (what PostgreSQL itself takes).
 * Targets (issue 16): 200 ms, 200 ms, 250 ms.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/main.ts';
import { makeTempDir, startTestCluster } from '../test/harness/postgres.ts';
import { percentile, round, type BenchResult } from './types.ts';

const silent = pino({ level: 'silent' });
const TOKEN = 'bench:bench-secret-0123456789abcdef';

async function timeRequests(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 5; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** 100,000 runs (generate_series) and the heavy run; exported for ad-hoc EXPLAINs. */
export async function seed(pool: pg.Pool, runs: number): Promise<string> {
  await pool.query(
    `INSERT INTO mailroom.runs (id, workflow, workflow_version, state, input, deadline_at, created_at, updated_at, finished_at)
     SELECT gen_random_uuid(), (ARRAY['support', 'invoice', 'router', 'lead'])[1 + g % 4], 1, (ARRAY['completed', 'failed', 'waiting', 'cancelled', 'completed'])[1 + g % 5],
            jsonb_build_object('itemId', gen_random_uuid(), 'email', jsonb_build_object('subject', 'Order question ' || g, 'from', jsonb_build_object('address', 'customer' || g || '@example.com'), 'text', repeat('hello ', 40))),
            now() + interval '30 days', now() - g * interval '1 second', now() - g * interval '1 second', now() - g * interval '1 second'
       FROM generate_series(1, $1::int) g`,
    [runs],
  );
  await pool.query(`INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason, at) SELECT id, 'running', state, 'bench', created_at FROM mailroom.runs`);
  // The heavy run: a 1 MB mail in its input, 200 steps, 60 decisions.
  const id = crypto.randomUUID();
  const text = 'Dear team, please see the attached statement. '.repeat(Math.ceil((1024 * 1024) / 47)).slice(0, 1024 * 1024);
  const input = { email: { subject: 'Statement with a very long body', from: { address: 'big@example.com' }, to: [], text, attachments: Array.from({ length: 5 }, (_, i) => ({ filename: `part-${i}.pdf`, contentType: 'application/pdf', size: 100_000 + i, sha256: 'x' })) } };
  await pool.query(`INSERT INTO mailroom.runs (id, workflow, workflow_version, state, input, output, deadline_at, finished_at) VALUES ($1, 'bench-dash', 1, 'completed', $2, '{"ok": true}', now() + interval '1 day', now())`, [id, JSON.stringify(input)]);
  await pool.query(
    `INSERT INTO mailroom.steps (run_id, step_id, seq, kind, status, output, attempts, started_at, finished_at)
     SELECT $1, 'step-' || g, g, 'run', 'completed', jsonb_build_object('n', g, 'note', repeat('result ', 30)), 1 + g % 3, now() - (300 - g) * interval '10 ms', now() - (300 - g) * interval '10 ms' + interval '4 ms'
       FROM generate_series(1, 200) g`,
    [id],
  );
  await pool.query(
    `INSERT INTO mailroom.decisions (run_id, seq, step_id, action, parameters, reasoning, confidence, provider, model, input_tokens, output_tokens, cost_usd, latency_ms)
     SELECT $1, g, 'step-' || g, 'classify', jsonb_build_object('category', 'billing'), repeat('because ', 40), 0.8, 'anthropic', 'claude-test', 1000, 100, 0.002, 700 FROM generate_series(1, 60) g`,
    [id],
  );
  await pool.query(`INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason) VALUES ($1, NULL, 'queued', 'run created'), ($1, 'queued', 'running', 'started'), ($1, 'running', 'completed', 'done')`, [id]);
  await pool.query('ANALYZE mailroom.runs; ANALYZE mailroom.run_transitions; ANALYZE mailroom.steps');
  return id;
}

export async function bench(opts: { quick?: boolean }): Promise<BenchResult> {
  const cluster = await startTestCluster();
  const dataDir = makeTempDir('mailroom-bench-dash-');
  const config = loadConfig({ DATABASE_URL: cluster.url, MAILROOM_DATA_DIR: dataDir, PORT: '0', MAILROOM_API_TOKEN: TOKEN, LOG_LEVEL: 'silent' });
  const app = await createApp(config, silent, 'service');
  const base = `http://127.0.0.1:${app.http!.port}`;
  const listener = new pg.Client({ connectionString: app.db.url });
  try {
    const nRuns = opts.quick ? 20_000 : 100_000;
    const samples = opts.quick ? 20 : 50;
    const heavy = await seed(app.db.pool, nRuns);
    const login = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: TOKEN }).toString() });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const get = async (path: string, auth: 'cookie' | 'token') => {
      const res = await fetch(`${base}${path}`, { headers: auth === 'cookie' ? { cookie } : { authorization: `Bearer ${TOKEN}` } });
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      return res.text();
    };

    const runPage = await timeRequests(samples, () => get(`/runs/${heavy}`, 'cookie'));
    const runJson = await timeRequests(samples, () => get(`/api/v1/runs/${heavy}`, 'token'));
    const runsPage = await timeRequests(samples, () => get('/runs', 'cookie'));
    const runsFailed = await timeRequests(samples, () => get('/runs?state=failed&workflow=invoice', 'cookie'));
    const runsJson = await timeRequests(samples, () => get('/api/v1/runs?limit=50', 'token'));
    // Worst case for the search: a word no run has, so every run is looked at.
    const runsSearch = await timeRequests(Math.min(samples, 10), () => get('/runs?q=nowhere-to-be-found', 'cookie'));

    // SSE: one stream open; each sample commits a transition and waits for it on the stream and
    // on a bare LISTEN connection.
    await listener.connect();
    await listener.query('LISTEN mailroom_runs');
    let onNotify: (() => void) | undefined;
    listener.on('notification', () => onNotify?.());
    const res = await fetch(`${base}/live/events`, { headers: { cookie } });
    const reader = res.body!.getReader();
    let buffer = '';
    let onSse: ((runId: string) => void) | undefined;
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += Buffer.from(value!).toString('utf8');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const run = /"run_id":"([0-9a-f-]{36})"/.exec(block)?.[1];
          if (run && block.includes('event: transition')) onSse?.(run);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    const sse: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < samples + 5; i++) {
      const t0 = performance.now();
      let tNotify = 0;
      const notified = new Promise<void>((resolve) => (onNotify = () => ((tNotify = performance.now()), resolve())));
      const seen = new Promise<void>((resolve) => (onSse = (run) => run === heavy && resolve()));
      await app.db.pool.query(`INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason) VALUES ($1, 'completed', 'completed', 'bench ping')`, [heavy]);
      await Promise.all([notified, seen]);
      if (i >= 5) {
        sse.push(performance.now() - t0);
        bare.push(tNotify - t0);
      }
    }
    await reader.cancel().catch(() => undefined);

    const p95 = (v: number[]) => round(percentile(v, 95), 1);
    const json = {
      run_page_ms_p95: p95(runPage),
      run_page_ms_p50: round(percentile(runPage, 50), 1),
      run_json_ms_p95: p95(runJson),
      runs_page_ms_p95: p95(runsPage),
      runs_page_filtered_ms_p95: p95(runsFailed),
      runs_json_ms_p95: p95(runsJson),
      runs_search_ms_p95: p95(runsSearch),
      sse_latency_p95_ms: p95(sse),
      sse_latency_p50_ms: round(percentile(sse, 50), 1),
      notify_latency_p95_ms: p95(bare),
      runs_in_database: nRuns + 1,
    };
    const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : null);
    return {
      title: `dashboard (embedded PostgreSQL, the running service over loopback HTTP; ${nRuns} runs, a run with 200 steps and a 1 MB mail; ${samples} samples each; targets 200/200/250 ms)`,
      rows: [
        { metric: 'run page (200 steps, 1 MB mail) vs API trace, p95', mailroom: json.run_page_ms_p95, baseline: json.run_json_ms_p95, ratio: ratio(json.run_page_ms_p95, json.run_json_ms_p95), unit: 'ms' },
        { metric: `runs page (${nRuns} runs) vs API list, p95`, mailroom: json.runs_page_ms_p95, baseline: json.runs_json_ms_p95, ratio: ratio(json.runs_page_ms_p95, json.runs_json_ms_p95), unit: 'ms' },
        { metric: 'runs page filtered by state and workflow, p95', mailroom: json.runs_page_filtered_ms_p95, baseline: json.runs_json_ms_p95, ratio: ratio(json.runs_page_filtered_ms_p95, json.runs_json_ms_p95), unit: 'ms' },
        { metric: 'runs page, search matching nothing (scans every run), p95', mailroom: json.runs_search_ms_p95, baseline: null, ratio: null, unit: 'ms' },
        { metric: 'transition → SSE message vs bare LISTEN, p95', mailroom: json.sse_latency_p95_ms, baseline: json.notify_latency_p95_ms, ratio: ratio(json.sse_latency_p95_ms, json.notify_latency_p95_ms), unit: 'ms' },
      ],
      json,
    };
  } finally {
    await listener.end().catch(() => undefined);
    await app.stop();
    await cluster.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
