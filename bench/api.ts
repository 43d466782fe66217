/**
 * HTTP API benchmark, on one embedded PostgreSQL against the running service (createApp, real
 * HTTP on a loopback port):
 *  - webhook received → run started: a signed webhook is sent, and the time until a worker marks
 *    its run `running` is taken from the run's own transition (p50/p95; one request at a time);
 *  - sustained `POST /api/v1/runs` per second (16 requests in flight from a client in a worker
 *    thread, so the client's HTTP work is not billed to the service), beside the engine's own
 *    `startRun` rate at the same concurrency in the same run (the baseline): what HTTP, auth,
 *    validation and the JSON round trip cost on top of starting a run. Nobody executes those
 *    runs, so both sides measure starting only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { loadConfig } from '../src/config.ts';
import { defineWorkflow } from '../src/engine/define.ts';
import { createEngine } from '../src/engine/engine.ts';
import { createApp } from '../src/main.ts';
import { makeTempDir, startTestCluster } from '../test/harness/postgres.ts';
import { testEngineSettings } from '../test/engine/settings.ts';
import type { ClientJob, ClientResult } from './_api-client.ts';
import { percentile, round, type BenchResult } from './types.ts';

const silent = pino({ level: 'silent' });
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const TOKEN = 'bench:bench-secret-0123456789abcdef';
const IN_FLIGHT = 16;

const hooked = defineWorkflow({ name: 'bench-hook', version: 1, input: z.object({ itemId: z.string(), n: z.number() }), concurrency: 20, run: async (input) => input.n });
const started = defineWorkflow({ name: 'bench-start', version: 1, input: z.object({ n: z.number() }), run: async (input) => input.n });

/** Runs `fn(i)` for i < n with `width` calls in flight; returns calls per second. */
async function rate(n: number, width: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await fn(next++);
  }));
  return n / ((performance.now() - t0) / 1000);
}

export async function bench(opts: { quick?: boolean }): Promise<BenchResult> {
  const cluster = await startTestCluster();
  const dataDir = makeTempDir('mailroom-bench-api-');
  const triggers = path.join(dataDir, 'triggers.yaml');
  fs.writeFileSync(triggers, `webhooks:\n  bench:\n    workflow: bench-hook\n    secret: ${SECRET}\n`);
  const config = loadConfig({ DATABASE_URL: cluster.url, MAILROOM_DATA_DIR: dataDir, PORT: '0', MAILROOM_API_TOKEN: TOKEN, MAILROOM_TRIGGERS: triggers, LOG_LEVEL: 'silent' });
  const app = await createApp(config, silent, 'service');
  app.engine.register(hooked, started);
  // A worker for the webhook runs only: the started runs of the throughput phase stay queued.
  const worker = createEngine({ pool: app.db.pool, databaseUrl: app.db.url, settings: testEngineSettings({ concurrency: 20 }), log: silent, pollSeconds: 1 });
  worker.register(hooked);
  await worker.start({ workers: true });
  const base = `http://127.0.0.1:${app.http!.port}`;
  try {
    const nHooks = opts.quick ? 50 : 200;
    const nStarts = opts.quick ? 500 : 2000;
    const client = (job: Omit<ClientJob, 'base' | 'token' | 'secret'>) =>
      new Promise<ClientResult>((resolve, reject) => {
        const w = new Worker(new URL('./_api-client.ts', import.meta.url), { workerData: { ...job, base, token: TOKEN, secret: SECRET } });
        w.once('message', (result: ClientResult) => {
          resolve(result);
          void w.terminate();
        });
        w.once('error', reject);
      });

    // Webhook received → run running: the run's own `running` transition against the send time.
    await client({ mode: 'hooks', n: 10, width: 1, round: 'warm' });
    const { sent } = (await client({ mode: 'hooks', n: nHooks, width: 1, round: 'measured' })) as { sent: Array<{ runId: string; sentAt: number }> };
    const latencies: number[] = [];
    for (const s of sent) {
      await app.engine.waitForRun(s.runId, { states: ['running', 'completed', 'failed'], timeoutMs: 30_000 });
      const { rows } = await app.db.pool.query<{ at: Date }>(`SELECT at FROM mailroom.run_transitions WHERE run_id = $1 AND to_state = 'running' ORDER BY id LIMIT 1`, [s.runId]);
      latencies.push(rows[0]!.at.getTime() - s.sentAt);
    }

    const viaApi = async (n: number) => ((await client({ mode: 'runs', n, width: IN_FLIGHT, round: 'runs' })) as { perSecond: number }).perSecond;
    const direct = (n: number) => rate(n, IN_FLIGHT, async (i) => void (await app.engine.startRun(started, { n: i })));
    await viaApi(100);
    await direct(100);
    // Alternate halves so background work (autovacuum, other load) falls on both sides alike.
    const half = Math.floor(nStarts / 2);
    const api = [await viaApi(half)];
    const engine = [await direct(half)];
    api.push(await viaApi(half));
    engine.push(await direct(half));
    const apiPerSec = (api[0]! + api[1]!) / 2;
    const enginePerSec = (engine[0]! + engine[1]!) / 2;

    const json = {
      webhook_to_run_p50_ms: percentile(latencies, 50),
      webhook_to_run_p95_ms: percentile(latencies, 95),
      api_runs_per_s: round(apiPerSec, 1),
      engine_starts_per_s: round(enginePerSec, 1),
      api_to_engine_ratio: round(apiPerSec / enginePerSec, 3),
    };
    return {
      title: `api (embedded PostgreSQL, the running service over loopback HTTP; ${nHooks} signed webhooks one at a time, ${nStarts} starts each way with ${IN_FLIGHT} in flight)`,
      rows: [
        { metric: 'webhook received → run running, p50', mailroom: json.webhook_to_run_p50_ms, baseline: null, ratio: null, unit: 'ms' },
        { metric: 'webhook received → run running, p95', mailroom: json.webhook_to_run_p95_ms, baseline: null, ratio: null, unit: 'ms' },
        { metric: 'POST /api/v1/runs vs engine.startRun', mailroom: json.api_runs_per_s, baseline: json.engine_starts_per_s, ratio: json.api_to_engine_ratio, unit: 'per s' },
      ],
      json,
    };
  } finally {
    await worker.stop();
    await app.stop();
    await cluster.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
