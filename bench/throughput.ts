/**
 * `npm run bench -- throughput`: a burst of mail when the model takes seconds per call.
 *
 * N support mails (200; 60 with --quick; THROUGHPUT_MAILS overrides) are dropped at once into the
 * watched inbox folder of the whole service (createApp, role `service`, on embedded PostgreSQL),
 * with Claude played by the local Messages API fake answering every call after MODEL_DELAY_MS
 * (default 2000), in a process of its own (bench/_model-server.ts) so the peak RSS measured is
 * the service's alone. The per-minute limits are set out of the way (LLM_REQUESTS_PER_MIN=100000,
 * LLM_INPUT_TOKENS_PER_MIN=100000000), so what is measured is concurrency and overhead.
 *
 * The baseline is the ideal: model calls × delay ÷ the configured concurrency (LLM_MAX_CONCURRENCY,
 * set to ENGINE_CONCURRENCY here so the model limit is the one that binds), the time the work
 * needs if nothing but the model ever waited. `wall_s` runs from the first file landing in the
 * folder to every run settled: each router run completed and each support run waiting for its
 * approval (the knowledge base is empty, so one model call per mail: the triage).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/main.ts';
import { makeTempDir, stopPrivateCluster, testDatabase } from '../test/harness/postgres.ts';
import { round, type BenchResult } from './types.ts';

const SUBJECTS = ['Cannot export the monthly report', 'Login fails after password reset', 'Invoice shows the wrong VAT number', 'Sync stopped since this morning', 'How do I add a second user?'];

function supportMail(i: number): string {
  const subject = `${SUBJECTS[i % SUBJECTS.length]} (#${i})`;
  return [
    `Message-ID: <throughput-${i}-${process.pid}@customer${i}.example>`,
    `From: Customer ${i} <someone${i}@customer${i % 37}.example>`,
    'To: support@mailroom.example',
    `Subject: ${subject}`,
    'Date: Mon, 16 Nov 2026 09:12:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Hello,\n\n${subject}. We tried again an hour later with the same result; ticket ${1000 + i}.\nCould you have a look?\n\nThanks,\nCustomer ${i}`,
    '',
  ].join('\r\n');
}

/** Starts the model process; resolves with its URL and a way to ask how many calls it answered. */
async function startModel(delayMs: number): Promise<{ url: string; calls(): Promise<number>; stop(): void }> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./_model-server.ts', import.meta.url)), [], { env: { ...process.env, MODEL_DELAY_MS: String(delayMs) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the model process exited (${code})`)));
  });
  return {
    url,
    calls: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { calls: number }).calls));
        child.send('count');
      }),
    stop: () => child.disconnect(),
  };
}

export async function bench(opts: { quick?: boolean }): Promise<BenchResult> {
  const mails = Number(process.env.THROUGHPUT_MAILS ?? (opts.quick ? 60 : 200));
  const delayMs = Number(process.env.MODEL_DELAY_MS ?? 2000);
  const engineConcurrency = Number(process.env.ENGINE_CONCURRENCY ?? 20);
  const concurrency = Number(process.env.LLM_MAX_CONCURRENCY ?? engineConcurrency);
  const model = await startModel(delayMs);
  const db = await testDatabase();
  const dataDir = makeTempDir('mailroom-throughput-');
  const staging = path.join(dataDir, 'staging');
  fs.mkdirSync(staging);
  const config = loadConfig({
    DATABASE_URL: db.url,
    MAILROOM_DATA_DIR: dataDir,
    PORT: '0',
    ANTHROPIC_API_KEY: 'sk-bench',
    ANTHROPIC_BASE_URL: model.url,
    LLM_REQUESTS_PER_MIN: '100000',
    LLM_INPUT_TOKENS_PER_MIN: '100000000',
    LLM_MAX_CONCURRENCY: String(concurrency),
    ENGINE_CONCURRENCY: String(engineConcurrency),
    LLM_TIMEOUT_MS: String(Math.max(60_000, delayMs * 10)),
  });
  const app = await createApp(config, pino({ level: process.env.BENCH_LOG ?? 'silent' }), 'service');
  const settled = async () =>
    (
      await db.pool.query<{ routed: number; settled: number; failed: number }>(
        `SELECT count(*) FILTER (WHERE workflow = 'router' AND state = 'completed')::int AS routed,
                count(*) FILTER (WHERE workflow = 'support' AND state IN ('waiting', 'completed', 'failed', 'cancelled'))::int AS settled,
                count(*) FILTER (WHERE state = 'failed')::int AS failed
           FROM mailroom.runs`,
      )
    ).rows[0]!;
  try {
    // Written beforehand and moved in at once: the folder sees a burst of finished files.
    for (let i = 0; i < mails; i++) fs.writeFileSync(path.join(staging, `mail-${String(i).padStart(4, '0')}.eml`), supportMail(i));
    await new Promise((r) => setTimeout(r, 300));
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const callsBefore = await model.calls();
    const t0 = performance.now();
    for (const f of fs.readdirSync(staging)) fs.renameSync(path.join(staging, f), path.join(config.inboxDir, f));
    const deadline = Date.now() + Math.max(300_000, (mails * delayMs * 20) / concurrency);
    let state = await settled();
    while (state.routed < mails || state.settled < mails) {
      if (Date.now() > deadline) throw new Error(`throughput: only ${state.routed} routed and ${state.settled} settled of ${mails} mails before the deadline (${state.failed} failed)`);
      await new Promise((r) => setTimeout(r, 100));
      state = await settled();
    }
    const wall = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const calls = (await model.calls()) - callsBefore;
    const ideal = (calls * delayMs) / 1000 / concurrency;
    const json = {
      mails,
      model_calls: calls,
      model_delay_ms: delayMs,
      llm_max_concurrency: concurrency,
      wall_s: round(wall, 2),
      ideal_s: round(ideal, 2),
      ratio_to_ideal: round(wall / ideal, 3),
      peak_rss_mb: round(peak / 1024 / 1024, 1),
      failed_runs: state.failed,
    };
    return {
      title: `throughput (${mails} support mails through the inbox folder; the model answers after ${delayMs} ms; LLM_MAX_CONCURRENCY=${concurrency}, ENGINE_CONCURRENCY=${engineConcurrency})`,
      rows: [
        { metric: `wall time vs ideal (${calls} calls × ${delayMs} ms ÷ ${concurrency}; target ≤ 1.3×)`, mailroom: json.wall_s, baseline: json.ideal_s, ratio: json.ratio_to_ideal, unit: 's' },
        { metric: 'peak RSS of the service process (target ≤ 400)', mailroom: json.peak_rss_mb, baseline: null, ratio: null, unit: 'MB' },
      ],
      json,
    };
  } finally {
    await app.stop();
    model.stop();
    await db.close();
    await stopPrivateCluster();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
