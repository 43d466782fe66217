/**
 * /healthz checks what it names: the database answers, pg-boss is running and reachable, and
 * its LISTEN connection really receives (a NOTIFY it sends comes back). Killing that one
 * backend turns the answer to 503 naming the LISTEN connection until pg-boss has reconnected.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { noop5, workflows } from '../fixtures/engine-workflows.ts';
import { engineFixture, type EngineFixture } from '../engine/harness.ts';

const silent = pino({ level: 'silent' });

async function healthz(http: HttpServer): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const res = await fetch(`http://127.0.0.1:${http.port}/healthz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
}

describe('/healthz', () => {
  let fx: EngineFixture;
  let http: HttpServer;
  before(async () => {
    fx = await engineFixture(workflows);
    http = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      pool: fx.db.pool,
      log: silent,
      queueReady: async () => {
        const h = await fx.engine.health();
        return h.up || { down: h.reason };
      },
    });
  });
  after(async () => {
    await http?.close();
    await fx?.close();
  });

  test('is 200 when the database answers and pg-boss hears its own NOTIFY', async () => {
    assert.deepEqual(await healthz(http), { status: 200, body: { status: 'ok', checks: { database: 'up', queue: 'up' } } });
  });

  test('is 503 naming the LISTEN connection while it is lost, and 200 again once pg-boss has reconnected', async () => {
    // pg-boss's listener is the queue's session whose last statement was its LISTEN or its heartbeat.
    const killed = await fx.db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'mailroom-queue'
          AND (query LIKE 'LISTEN%' OR query LIKE '%pg_listening_channels%')`,
    );
    assert.equal(killed.rowCount, 1, 'one LISTEN session to kill');
    const during = await healthz(http);
    assert.equal(during.status, 503);
    assert.equal(during.body.checks.database, 'up');
    assert.match(during.body.checks.queue!, /^down: the LISTEN connection is down/);

    // pg-boss reconnects its listener after 1 s, then re-subscribes; runs are fetched by polling meanwhile.
    const run = await fx.engine.startRun(noop5, {});
    assert.equal(await fx.engine.waitForRun(run.runId, { timeoutMs: 20_000 }), 'completed');
    const until = Date.now() + 20_000;
    let now = await healthz(http);
    while (now.status !== 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      now = await healthz(http);
    }
    assert.deepEqual(now.body, { status: 'ok', checks: { database: 'up', queue: 'up' } });
  });

  test('is 503 naming pg-boss once the queue has stopped', async () => {
    await fx.engine.stop();
    const after = await healthz(http);
    assert.equal(after.status, 503);
    assert.deepEqual(after.body, { status: 'unavailable', checks: { database: 'up', queue: 'down: pg-boss is not running' } });
  });
});
