/**
 * Research with a web search (SearXNG's JSON API, served by a local server that speaks it):
 * result pages are fetched, read as articles, stored as sources with their URL and hash before
 * drafting, and cited like imported documents; pages that are not readable are left out. The
 * fetch refuses addresses inside the local network unless told otherwise.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { contentWorkflow } from '../../../src/workflows/content/content.ts';
import { contentObject } from '../../../src/workflows/content/summary.ts';
import { fetchPage, isPublicAddress } from '../../../src/workflows/content/web/fetch-page.ts';
import { startTestService, type TestService } from '../../harness/service.ts';

const ARTICLE = (title: string, body: string) => `<!doctype html><html><head><title>${title}</title></head><body><nav>Home · Pricing · Login</nav>
<article><h1>${title}</h1>${body.split('\n').map((p) => `<p>${p}</p>`).join('')}</article><footer>Copyright Example Labs</footer></body></html>`;

const PAGES: Record<string, { type: string; body: string }> = {
  '/tide-pools': {
    type: 'text/html; charset=utf-8',
    body: ARTICLE('Tide pool monitoring with volunteer divers', 'Tide pool monitoring relies on volunteer divers who count species at low tide every month.\nVolunteer divers recorded 412 sea star sightings across nine tide pools during the last survey season.\nTide pool monitoring data is shared with the regional marine institute within two weeks of each count.'),
  },
  '/moved': { type: 'redirect', body: '/tide-pools-2' },
  '/tide-pools-2': {
    type: 'text/html; charset=utf-8',
    body: ARTICLE('Why tide pool monitoring needs long series', 'Tide pool monitoring only shows trends after several years of counts by the same volunteer divers.\nA tide pool survey that changes its method every season cannot separate warming from counting errors.\nThe monitoring programme trains every volunteer diver in one counting protocol before the first dive.'),
  },
  '/brochure.pdf': { type: 'application/pdf', body: '%PDF-1.4 not a page' },
};

describe('content research with a web search', () => {
  let svc: TestService;
  let server: http.Server;
  let base = '';
  const searches: string[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/search') {
        searches.push(`${url.searchParams.get('q')}|${url.searchParams.get('format')}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ query: url.searchParams.get('q'), results: ['/tide-pools', '/brochure.pdf', '/moved', '/tide-pools'].map((p, i) => ({ url: `${base}${p}`, title: `result ${i}`, content: 'summary by the engine' })) }));
        return;
      }
      const page = PAGES[url.pathname];
      if (!page) return void res.writeHead(404).end();
      if (page.type === 'redirect') return void res.writeHead(302, { location: page.body }).end();
      res.writeHead(200, { 'content-type': page.type });
      res.end(page.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    svc = await startTestService({ WEB_SEARCH_URL: base, WEB_FETCH_ALLOW_PRIVATE: 'true' });
  });
  after(async () => {
    await svc?.close();
    await new Promise((r) => server.close(r));
  });

  test('result pages become cited sources with their URL; a PDF is left out, a redirect followed, a repeat read once', async () => {
    const { runId } = await svc.app.engine.startRun(contentWorkflow, { topic: 'tide pool monitoring', channels: ['blog'] });
    assert.equal(await svc.app.engine.waitForRun(runId, { states: ['waiting', 'failed', 'completed'], timeoutMs: 60_000 }), 'waiting');
    assert.deepEqual(searches, ['tide pool monitoring|json']);
    const c = await contentObject(svc.db.pool, runId);
    assert.equal(c.status, 'awaiting_approval');
    const cited = new Set(c.sources.map((s) => s.source_id));
    assert.ok(cited.has(`${base}/tide-pools`) && cited.has(`${base}/tide-pools-2`), [...cited].join(', '));
    const docs = new Map((await svc.db.pool.query('SELECT id, body, source_path FROM mailroom.content_documents')).rows.map((r) => [r.id, r as { body: string; source_path: string }]));
    assert.equal(docs.size, 2, 'the PDF is not a source');
    for (const s of c.sources) assert.equal(docs.get(s.source_id)!.body.slice(s.span[0], s.span[1]), s.quote, 'every snippet is a span of the stored page');
    assert.doesNotMatch(docs.get(`${base}/tide-pools`)!.body, /Pricing|Copyright/, 'read as the article, without navigation and footer');
    assert.equal(c.checks!.citations.verified, c.checks!.citations.total);
    const trace = (await svc.db.pool.query<{ action: string; reasoning: string; parameters: { pages: string[] } }>("SELECT action, reasoning, parameters FROM mailroom.decisions WHERE run_id = $1 AND action = 'content.web_search'", [runId])).rows[0]!;
    assert.match(trace.reasoning, /2 page\(s\) from searxng \(127\.0\.0\.1:\d+\) read and stored as sources/);
  });

  test('the fetch refuses pages inside the local network, schemes other than http(s), and pages too large', async () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '192.168.0.9', '169.254.169.254', '::1', 'fd00::1', '::ffff:127.0.0.1']) assert.equal(isPublicAddress(a), false, a);
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) assert.equal(isPublicAddress(a), true, a);
    const strict = { timeoutMs: 2000, maxBytes: 1_000_000, allowPrivate: false };
    await assert.rejects(fetchPage(`${base}/tide-pools`, strict), /resolves to 127\.0\.0\.1, inside the local network/);
    await assert.rejects(fetchPage('http://localhost:9/', strict), /inside the local network/);
    await assert.rejects(fetchPage('file:///etc/passwd', strict), /http and https only/);
    await assert.rejects(fetchPage(`${base}/tide-pools`, { ...strict, allowPrivate: true, maxBytes: 100 }), /larger than 100 bytes/);
  });
});
