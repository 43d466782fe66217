/**
 * `npm run screenshots`: regenerates docs/screenshots/*.png, the dashboard pictures in the
 * README, from the running service in a real browser (Debian's chromium): the run list, an
 * invoice run waiting for approval, its approval page, the run after the approval, the costs.
 * Never edit the pictures by hand; run this again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startTestCluster } from '../harness/postgres.ts';
import { repoRoot } from '../harness/shared.ts';
import { eventually, startTestService } from '../http/service.ts';
import { chromiumMissing, openBrowser } from './browser.ts';
import { ALICE, browserInvoice, browserSupport, CAROL, invoiceMail, supportMail } from './fixtures.ts';

const missing = chromiumMissing();
if (missing) {
  console.error(`mailroom screenshots: ${missing}`);
  process.exit(2);
}
const out = path.join(repoRoot, 'docs', 'screenshots');
fs.mkdirSync(out, { recursive: true });

const cluster = await startTestCluster();
process.env.MAILROOM_TEST_ADMIN_URL = cluster.adminUrl;
const svc = await startTestService({ env: { MAILROOM_API_TOKEN: [ALICE, CAROL].join(',') }, workflows: [browserInvoice, browserSupport] });
const b = await openBrowser({ viewport: { width: 1280, height: 860 } });
try {
  const start = async (workflow: string, input: unknown) => (await svc.call('POST', '/api/v1/runs', { token: CAROL, body: { workflow, input } })).body.run_id as string;
  for (let i = 0; i < 3; i++) await start('support-demo', { email: { ...supportMail.email, subject: `${supportMail.email.subject}${i ? ` (${i + 1})` : ''}` } });
  const run = await start('invoice-demo', invoiceMail);
  await eventually(async () => ((await svc.db.pool.query(`SELECT state FROM mailroom.runs WHERE id = $1`, [run])).rows[0]?.state === 'waiting' ? true : undefined));
  const page = b.page;
  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });
    console.log(`docs/screenshots/${name}.png`);
  };
  await page.goto(`${svc.base}/login`);
  await page.fill('#token', ALICE);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/runs$/);
  await shot('runs');
  await page.goto(`${svc.base}/runs/${run}`);
  await page.waitForSelector('#live-dot.on');
  await shot('run-waiting');
  const href = await page.locator('#live a[href^="/approvals/"]').first().getAttribute('href');
  await page.goto(`${svc.base}${href}`);
  await page.fill('input[name="edit.total"]', '1148.86');
  await shot('approval');
  await page.click('button[value=approve]');
  await page.waitForURL(/done=decided/);
  await eventually(async () => ((await svc.db.pool.query(`SELECT state FROM mailroom.runs WHERE id = $1`, [run])).rows[0]?.state === 'completed' ? true : undefined));
  await page.goto(`${svc.base}/runs/${run}`);
  await shot('run-completed');
  await page.goto(`${svc.base}/costs?days=7`);
  await page.waitForSelector('#costs-chart[data-drawn]');
  await shot('costs');
} finally {
  await b.close();
  await svc.close();
  await cluster.stop();
}
process.exit(0);
