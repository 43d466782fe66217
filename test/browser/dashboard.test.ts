/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against the
 * running service: sign in, find a run by search, open its trace, approve the invoice with an
 * edit, watch the run resume live on its page (Server-Sent Events, no reload), sign out. The
 * pages run under the strict CSP with nothing blocked and no script errors.
 *
 * `npm run test:browser` (not part of `npm test`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestService, type TestService } from '../http/service.ts';
import { chromiumMissing, openBrowser, type TestBrowser } from './browser.ts';
import { ALICE, browserInvoice, browserSupport, CAROL, invoiceMail, supportMail } from './fixtures.ts';

describe('dashboard in a browser', { skip: chromiumMissing() }, () => {
  let svc: TestService;
  let b: TestBrowser;
  let invoiceRun = '';
  before(async () => {
    svc = await startTestService({ env: { MAILROOM_API_TOKEN: [ALICE, CAROL].join(',') }, workflows: [browserInvoice, browserSupport] });
    b = await openBrowser();
    const start = async (workflow: string, input: unknown) => (await svc.call('POST', '/api/v1/runs', { token: CAROL, body: { workflow, input } })).body.run_id as string;
    await start('support-demo', supportMail);
    invoiceRun = await start('invoice-demo', invoiceMail);
    await eventually(async () => ((await svc.db.pool.query(`SELECT state FROM mailroom.runs WHERE id = $1`, [invoiceRun])).rows[0]?.state === 'waiting' ? true : undefined));
  });
  after(async () => {
    await b?.close();
    await svc?.close();
  });

  test('sign in, search, trace, approve with an edit, see the run resume live, sign out', async () => {
    const page = b.page;
    await page.goto(`${svc.base}/`);
    assert.match(page.url(), /\/login\?next=/, 'a visitor is asked to sign in');
    await page.fill('#token', ALICE);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/runs$/);
    assert.match((await page.textContent('header')) ?? '', /api:alice/);

    await page.fill('input[name=q]', 'GX-2024-117');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/q=GX-2024-117/);
    const rows = page.locator('#runs-table tbody tr');
    assert.equal(await rows.count(), 1, 'the search finds the invoice run only');
    await rows.first().locator('a').nth(1).click();
    await page.waitForURL(new RegExp(`/runs/${invoiceRun}$`));
    const story = await page.textContent('#live');
    for (const s of ['Invoice GX-2024-117 for October', 'GX-2024-117.pdf', 'invoice.extract', 'claude-sonnet-4-5', '5210 in / 310 out tokens', '$0.0203', 'waiting']) assert.ok(story?.includes(s), s);
    assert.ok(story?.includes('<script>alert("hi")</script>'), 'the mail text is shown as text');
    assert.equal(await page.locator('#live script').count(), 0, 'and not as markup');
    await page.waitForSelector('#live-dot.on', { timeout: 10_000 });

    // The approval in a second tab; the run's page stays open in the first.
    const approvalHref = await page.locator('#live a[href^="/approvals/"]').first().getAttribute('href');
    const tab = await b.newPage();
    await tab.goto(`${svc.base}${approvalHref}`);
    const review = await tab.textContent('main');
    for (const s of ['Values that disagree', 'text layer', '1148.86', 'Dear Globex accounts', 'the text layer and OCR disagree on the total']) assert.ok(review?.includes(s), s);
    await tab.fill('textarea[name="edit.draft"]', 'Dear Globex accounts,\nwe pay the corrected total of 1,148.86 EUR.');
    await tab.fill('input[name="edit.total"]', '1148.86');
    await tab.fill('input[name=note]', 'the scan is right');
    await tab.click('button[value=approve]');
    await tab.waitForURL(/done=decided/);
    assert.match((await tab.textContent('.flash')) ?? '', /decided the request/);

    // Back on the run's page, without a reload: the SSE stream refreshes the story.
    await page.bringToFront();
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#live h1 .badge')?.textContent === 'completed', null, { timeout: 20_000 });
    const resumed = await page.textContent('#live');
    assert.match(resumed ?? '', /api:alice approved .* through web \(version 2\)/);
    assert.match(resumed ?? '', /"booked_total": 1148\.86/);
    assert.equal(await page.evaluate(() => (globalThis as any).performance.getEntriesByType('navigation').length), 1, 'the page was not reloaded');

    await page.click('header button:has-text("Sign out")');
    await page.waitForURL(/\/login$/);
    await page.goto(`${svc.base}/runs`);
    assert.match(page.url(), /\/login/, 'signed out means signed out');
    assert.deepEqual(b.problems, [], 'no CSP violations or script errors');
  });

  test('the leads list updates live: a form submitted by webhook appears without a reload, and its page tells the score', async () => {
    const page = b.page;
    await page.goto(`${svc.base}/login`);
    await page.fill('#token', ALICE);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/runs$/);
    await page.goto(`${svc.base}/leads`);
    await page.waitForSelector('#live-dot.on', { timeout: 10_000 });
    assert.equal(await page.locator('#leads-table a[href^="/leads/"]').count(), 0);
    const res = await fetch(`${svc.base}/webhook/new-lead`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CAROL.split(':')[1]}` },
      body: JSON.stringify({ email: 'dana@browserco.example', name: 'Dana <b>Lead</b>', company: 'BrowserCo', message: 'We need pricing for 40 seats this month.' }),
    });
    assert.equal(res.status, 202, await res.text());
    await page.waitForSelector('#leads-table a[href^="/leads/"]', { timeout: 20_000 });
    assert.equal(await page.evaluate(() => (globalThis as any).performance.getEntriesByType('navigation').length), 1, 'the page was not reloaded');
    assert.match((await page.textContent('#leads-table')) ?? '', /dana@browserco\.example/);
    await page.click('#leads-table a[href^="/leads/"]');
    await page.waitForURL(/\/leads\/[0-9a-f-]{36}$/);
    assert.match((await page.textContent('#lead-factors')) ?? '', /intent/);
    assert.deepEqual(b.problems, [], 'no CSP violations or script errors');
  });
});
