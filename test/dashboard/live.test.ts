/**
 * Live updates over real HTTP: /live/events streams every run transition (fed by LISTEN/NOTIFY)
 * with the transition id as SSE id, and a reconnect with Last-Event-ID gets what it missed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { startTestService, type TestService } from '../http/service.ts';
import { dashboardClient } from './client.ts';

const ALICE = 'alice:alice-secret-0123456789';

const quick = defineWorkflow({ name: 'dash-quick', version: 1, input: z.object({ n: z.number() }), async run(input) { return input.n; } });

interface SseEvent { id?: string; event?: string; data: string }

/** Reads SSE events from a streaming response until `until` says enough (or the timeout). */
async function readEvents(res: Response, until: (events: SseEvent[]) => boolean, timeoutMs = 15_000): Promise<SseEvent[]> {
  const reader = res.body!.getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += Buffer.from(value).toString('utf8');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const e: SseEvent = { data: '' };
        for (const line of block.split('\n')) {
          const [k, ...rest] = line.split(':');
          const v = rest.join(':').replace(/^ /, '');
          if (k === 'id') e.id = v;
          else if (k === 'event') e.event = v;
          else if (k === 'data') e.data += v;
        }
        if (e.event) events.push(e);
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => undefined);
  }
  return events;
}

describe('dashboard live updates', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { MAILROOM_API_TOKEN: ALICE }, workflows: [quick] });
  });
  after(async () => svc?.close());

  test('transitions arrive as SSE with their ids; a reconnect with Last-Event-ID catches up on what it missed', async () => {
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    assert.equal((await fetch(`${svc.base}/live/events`)).status, 401, 'no session, no stream');

    const res = await fetch(`${svc.base}/live/events`, { headers: { cookie: c.cookie! } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    let runId = '';
    const started = (async () => {
      // Once the stream is open, the hub watches every run (the nil uuid in run_watchers).
      for (let i = 0; i < 100; i++) {
        const { rows } = await svc.db.pool.query(`SELECT 1 FROM mailroom.run_watchers WHERE run_id = '00000000-0000-0000-0000-000000000000'`);
        if (rows.length) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      runId = (await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'dash-quick', input: { n: 1 } } })).body.run_id;
    })();
    const events = await readEvents(res, (es) => es.some((e) => e.event === 'transition' && JSON.parse(e.data).run_id === runId && JSON.parse(e.data).to_state === 'completed'));
    await started;
    assert.equal(events[0]!.event, 'ready');
    // Live events come in commit order, which two transitions committed by different connections
    // (write batching) may swap against their ids; the ids say the order, and catch-up replays by id.
    const mine = events.filter((e) => e.event === 'transition').map((e) => ({ id: e.id, ...JSON.parse(e.data) })).filter((t) => t.run_id === runId)
      .sort((a, b) => (BigInt(a.id!) < BigInt(b.id!) ? -1 : 1));
    assert.deepEqual(mine.map((t) => t.to_state), ['queued', 'running', 'completed']);
    assert.equal(mine[0].workflow, 'dash-quick');
    const { rows } = await svc.db.pool.query('SELECT id::text FROM mailroom.run_transitions WHERE run_id = $1 ORDER BY id', [runId]);
    assert.deepEqual(mine.map((t) => t.id), rows.map((r) => r.id), 'the SSE id is the transition id');

    // Away: two more runs happen; back with the last id seen, the browser gets exactly those.
    const missed: string[] = [];
    for (const n of [2, 3]) missed.push((await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'dash-quick', input: { n } } })).body.run_id);
    const { rows: done } = await svc.db.pool.query('SELECT count(*)::int AS n FROM mailroom.runs WHERE id = ANY($1::uuid[])', [missed]);
    assert.equal(done[0].n, 2);
    const back = await fetch(`${svc.base}/live/events`, { headers: { cookie: c.cookie!, 'last-event-id': mine.at(-1)!.id! } });
    const caught = await readEvents(back, (es) => missed.every((id) => es.some((e) => e.data.includes(id) && e.event === 'transition' && e.data.includes('"to_state":"queued"'))));
    const runsSeen = new Set(caught.map((e) => JSON.parse(e.data).run_id));
    for (const id of missed) assert.ok(runsSeen.has(id), `caught up on ${id}`);
    assert.ok(!runsSeen.has(runId), 'nothing from before the last id');
    const ids = caught.map((e) => BigInt(e.id!));
    assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : 1)), 'in order');
  });
});
