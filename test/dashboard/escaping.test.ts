/**
 * Hostile and broken mail through the whole service and onto the run pages: injection payloads
 * from ../shared/data/injections (spikee's XSS and other seeds, BIPIA's email contexts with
 * attacks spliced in) written into the subject, the sender's name, the body, an HTML part and an
 * attachment's file name, plus a sample of the malformed-mail corpora (eml/). Every page of
 * every run they started (router and routed workflows) is read and must contain only the
 * dashboard's own markup: tags from the templates' list, no event-handler attributes, no
 * javascript: links, no script but the two from /assets/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { needsShared, sharedData } from '../harness/shared.ts';
import { mailCorpus } from '../fuzz/corpora.ts';
import { eventually, startTestService, type TestService } from '../http/service.ts';
import { dashboardClient } from './client.ts';

const ALICE = 'alice:alice-secret-0123456789';
const TAGS = new Set(['html', 'head', 'meta', 'title', 'link', 'script', 'body', 'header', 'nav', 'a', 'span', 'form', 'button', 'main', 'p', 'div', 'h1', 'h2', 'h3', 'dl', 'dt', 'dd', 'pre', 'section', 'ul', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'strong', 'details', 'summary', 'time', 'q', 'input', 'label', 'select', 'option', 'textarea', 'fieldset', 'legend', 'br']);

/** What is wrong with a page's markup, if anything. */
export function unexpectedMarkup(page: string): string[] {
  const problems: string[] = [];
  const body = page.replace(/^<!doctype html>/i, '');
  for (const m of body.matchAll(/<\/?([a-zA-Z][\w:-]*)([^>]*)>/g)) {
    const [tag, name, attrs] = [m[0], m[1]!.toLowerCase(), m[2] ?? ''];
    if (!TAGS.has(name)) problems.push(`tag <${name}>: ${tag.slice(0, 120)}`);
    if (/\son[a-z]+\s*=/i.test(attrs)) problems.push(`event handler: ${tag.slice(0, 120)}`);
    if (/\b(href|src|action)\s*=\s*["']?\s*(javascript|data:text)/i.test(attrs)) problems.push(`script URL: ${tag.slice(0, 120)}`);
    if (name === 'script' && !tag.startsWith('</') && !/^ src="\/assets\/[\w.]+" defer$/.test(attrs)) problems.push(`script: ${tag.slice(0, 120)}`);
  }
  const scripts = body.match(/<script\b/gi)?.length ?? 0;
  if (scripts > 3) problems.push(`${scripts} scripts`);
  return problems;
}

const jsonl = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** Mails carrying the injection seeds in every field a page shows. */
function hostileMails(): Buffer[] {
  const spikee = jsonl(sharedData('injections/spikee/spikee/data/workspace/datasets/seeds-cybersec-2025-04/instructions.jsonl')).map((r) => String(r.instruction));
  const bipia = jsonl(sharedData('injections/bipia/benchmark/email/test.jsonl')).slice(0, 6).map((r) => String(r.context));
  const payloads = [...spikee.filter((s) => /[<>"']/.test(s)).slice(0, 10), ...bipia.map((c, i) => `${c.slice(0, 1500)}\n${spikee[i % spikee.length]}`), '"><svg onload=alert(1)>', "</textarea><script>alert('x')</script>", 'javascript:alert(1)'];
  return payloads.map((p, i) => {
    const line = p.replace(/[\r\n]+/g, ' ').slice(0, 300);
    const boundary = `b${i}`;
    return Buffer.from(
      [
        `From: "${line.replace(/"/g, "'")}" <attacker${i}@evil.example>`,
        'To: ap@mailroom.example',
        `Subject: ${line}`,
        `Message-ID: <hostile-${i}@evil.example>`,
        'MIME-Version: 1.0',
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        p,
        `--${boundary}`,
        'Content-Type: text/html; charset=utf-8',
        '',
        `<html><body><p>${p}</p><img src=x onerror="alert(${i})"><a href="javascript:alert(1)">pay</a></body></html>`,
        `--${boundary}`,
        `Content-Type: application/octet-stream; name="<img src=x onerror=alert(${i})>.pdf"`,
        `Content-Disposition: attachment; filename="<img src=x onerror=alert(${i})>.pdf"`,
        '',
        'JVBERi0xLjQK',
        `--${boundary}--`,
        '',
      ].join('\r\n'),
      'utf8',
    );
  });
}

describe('dashboard escaping', { skip: needsShared, timeout: 600_000 }, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { MAILROOM_API_TOKEN: ALICE } });
  });
  after(async () => svc?.close());

  test('injection and malformed-mail corpora through the run pages: only the dashboard\'s own markup, the payloads shown as text', async () => {
    const corpus = mailCorpus();
    // Every 14th message of the corpora: broken encodings, endless nesting, huge headers, bounces…
    const malformed = corpus.files.filter((_, i) => i % 14 === 0);
    const mails = [...hostileMails(), ...malformed];
    const routers: string[] = [];
    for (const bytes of mails) {
      const r = await svc.app.intake.accept({ kind: 'email', bytes, source: { channel: 'test' } });
      if (r.runId) routers.push(r.runId);
    }
    assert.ok(routers.length >= 30, `${routers.length} runs`);
    await eventually(async () => {
      const { rows } = await svc.db.pool.query(`SELECT count(*)::int AS n FROM mailroom.runs WHERE state IN ('queued', 'running')`);
      return rows[0].n === 0 ? true : undefined;
    }, 240_000, 'every run settled');
    const { rows } = await svc.db.pool.query<{ id: string }>('SELECT id FROM mailroom.runs ORDER BY created_at');
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const problems: string[] = [];
    let shownEscaped = 0;
    for (const { id } of rows) {
      const page = await c.get(`/runs/${id}`);
      assert.equal(page.status, 200, id);
      for (const p of unexpectedMarkup(page.text)) problems.push(`${id}: ${p}`);
      if (/&lt;img src=(x|&#39;not-exist&#39;) onerror=/.test(page.text)) shownEscaped++;
    }
    for (const path of ['/runs', '/approvals', '/outbox']) for (const p of unexpectedMarkup((await c.get(path)).text)) problems.push(`${path}: ${p}`);
    const { rows: approvals } = await svc.db.pool.query<{ id: string }>('SELECT id FROM mailroom.approvals');
    for (const { id } of approvals) for (const p of unexpectedMarkup((await c.get(`/approvals/${id}`)).text)) problems.push(`/approvals/${id}: ${p}`);
    assert.deepEqual(problems.slice(0, 20), []);
    const byChannel = await c.get('/runs?channel=test&workflow=router');
    assert.ok(byChannel.text.includes(`/runs/${routers.at(-1)}`), 'the channel filter finds the runs of items that came through it');
    assert.match(byChannel.text, /<option value="test" selected>test<\/option>/);
    assert.match((await c.get('/runs?channel=carrier-pigeon')).text, /No runs match/);
    assert.ok(shownEscaped >= 10, `the payloads are on the pages, as text (${shownEscaped} pages)`);
    assert.deepEqual(unexpectedMarkup('<p>ok</p><img src=x onerror=alert(1)>'), ['tag <img>: <img src=x onerror=alert(1)>', 'event handler: <img src=x onerror=alert(1)>'], 'the check itself finds markup');
  });
});
