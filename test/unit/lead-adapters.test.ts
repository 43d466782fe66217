/**
 * The lead workflow's outside adapters against local HTTP servers speaking their APIs: the
 * Apollo-shaped organization enrichment (answers, 404, errors, a timeout: never an exception)
 * and HubSpot's CRM v3 (contact upsert by email with created/updated, a note associated to the
 * contact, the lifecycle stage).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { hubspotCrm } from '../../src/workflows/lead/crm/hubspot.ts';
import { httpEnrichmentAdapter } from '../../src/workflows/lead/enrich/http-adapter.ts';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: unknown }

async function server(handle: (req: Seen, res: http.ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const srv = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body: data ? JSON.parse(data) : null };
      seen.push(s);
      handle(s, res);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
}

const json = (res: http.ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('Apollo-shaped enrichment adapter', () => {
  let svc: Awaited<ReturnType<typeof server>>;
  before(async () => {
    svc = await server((req, res) => {
      const domain = new URL(req.url, 'http://x').searchParams.get('domain');
      if (domain === 'slow.example') return void setTimeout(() => json(res, 200, { organization: null }), 2000);
      if (domain === 'broken.example') return json(res, 500, { error: 'boom' });
      if (domain === 'odd.example') return json(res, 200, { organization: { estimated_num_employees: 'many' } });
      if (domain !== 'acme.example') return json(res, 404, { error: 'not found' });
      json(res, 200, { organization: { name: 'Acme', primary_domain: 'acme.example', estimated_num_employees: 120, industry: 'SaaS', annual_revenue: 9000000, latest_funding_stage: 'Series B', current_technologies: [{ name: 'Slack', category: 'Chat' }] } });
    });
  });
  after(async () => svc.close());

  test('reads an organization with the key in x-api-key, its source named', async () => {
    const a = httpEnrichmentAdapter({ url: svc.url, apiKey: 'k1', timeoutMs: 1000 });
    const answer = await a.organization('acme.example');
    assert.ok(answer.ok);
    assert.deepEqual(answer.company, { name: 'Acme', domain: 'acme.example', employees: 120, industry: 'SaaS', revenue_usd: 9000000, funding_stage: 'Series B', tech: ['Slack'], source: 'enrichment service', confidence: 0.7 });
    const req = svc.seen.at(-1)!;
    assert.equal(req.headers['x-api-key'], 'k1');
    assert.match(req.url, /^\/api\/v1\/organizations\/enrich\?domain=acme\.example$/);
  });

  test('an unknown domain is no company; errors, odd shapes and timeouts are answers, never exceptions', async () => {
    const a = httpEnrichmentAdapter({ url: svc.url, timeoutMs: 300 });
    assert.deepEqual(await a.organization('nobody.example'), { ok: true, company: null });
    const broken = await a.organization('broken.example');
    assert.equal(broken.ok, false);
    assert.match(!broken.ok ? broken.error : '', /500/);
    assert.equal((await a.organization('odd.example')).ok, false);
    const slow = await a.organization('slow.example');
    assert.match(!slow.ok ? slow.error : '', /timed out after 300 ms/);
    const down = await httpEnrichmentAdapter({ url: 'http://127.0.0.1:9', timeoutMs: 300 }).organization('acme.example');
    assert.equal(down.ok, false);
  });
});

describe('HubSpot CRM v3 adapter', () => {
  const contacts = new Map<string, { id: string; properties: Record<string, string> }>();
  const notes: Array<{ body: string; contactId: string; type: number }> = [];
  let svc: Awaited<ReturnType<typeof server>>;
  before(async () => {
    svc = await server((req, res) => {
      if (req.headers.authorization !== 'Bearer pat-test') return json(res, 401, { message: 'bad token' });
      const body = req.body as Record<string, any>;
      if (req.method === 'POST' && req.url === '/crm/v3/objects/contacts/batch/upsert') {
        const results = body.inputs.map((i: { idProperty: string; id: string; properties: Record<string, string> }) => {
          assert.equal(i.idProperty, 'email');
          const existing = contacts.get(i.id);
          const id = existing?.id ?? String(100 + contacts.size);
          contacts.set(i.id, { id, properties: { ...(existing?.properties ?? {}), ...i.properties } });
          return { id, new: !existing, properties: i.properties };
        });
        return json(res, 200, { status: 'COMPLETE', results });
      }
      if (req.method === 'POST' && req.url === '/crm/v3/objects/notes') {
        const a = body.associations[0];
        notes.push({ body: body.properties.hs_note_body, contactId: a.to.id, type: a.types[0].associationTypeId });
        return json(res, 201, { id: `n${notes.length}`, properties: body.properties });
      }
      json(res, 404, { message: 'no route' });
    });
  });
  after(async () => svc.close());

  test('upserts the contact by email (created, then updated), sets the lifecycle stage, and associates notes', async () => {
    const crm = hubspotCrm({ url: svc.url, token: 'pat-test' });
    const first = await crm.upsertContact({ email: 'alex@acme.example', name: 'Alex Morgan', company: 'Acme', title: 'COO', lifecycleStage: 'marketingqualifiedlead', dealStage: 'nurturing' });
    assert.deepEqual(first, { id: '100', created: true });
    const again = await crm.upsertContact({ email: 'alex@acme.example', lifecycleStage: 'salesqualifiedlead', dealStage: 'alerted' });
    assert.deepEqual(again, { id: '100', created: false });
    const stored = contacts.get('alex@acme.example')!.properties;
    assert.equal(stored.firstname, 'Alex');
    assert.equal(stored.lastname, 'Morgan');
    assert.equal(stored.lifecyclestage, 'salesqualifiedlead');
    assert.equal(stored.hs_lead_status, 'OPEN_DEAL');
    assert.deepEqual(await crm.addNote('100', 'Lead score 94 (hot)', 'k'), { id: 'n1' });
    assert.deepEqual(notes, [{ body: 'Lead score 94 (hot)', contactId: '100', type: 202 }]);
  });

  test('an error answer names the call and status', async () => {
    const crm = hubspotCrm({ url: svc.url, token: 'wrong' });
    await assert.rejects(crm.upsertContact({ email: 'x@acme.example' }), /contacts\/batch\/upsert answered 401/);
  });
});
