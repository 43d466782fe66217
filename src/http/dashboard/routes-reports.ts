/** `/costs`, `/mailboxes`, `/outbox` and *send now*: the same stores as `mailroom costs|mailboxes|outbox`. */
import { listMailboxHealth } from '../../channels/email/mailbox-state.ts';
import { createOutbox, type Outbox } from '../../channels/email/outbox.ts';
import { loadEmailSettings } from '../../channels/email/settings.ts';
import { costsByDayAndModel } from '../../queries/costs.ts';
import { NOTICES, type DashboardRoutes } from './context.ts';
import { html } from './html.ts';
import { page } from './layout.ts';
import { costsPage, mailboxesPage, outboxPage } from './pages/reports.ts';
import { requireAct } from './routes-auth.ts';

const OUTBOX_STATUSES = ['not_sent', 'queued', 'sent', 'retrying', 'failed'];

export function registerReportPages({ app, deps, stops }: DashboardRoutes): void {
  const { pool, config, log } = deps;
  // The service's SMTP settings; built on first use and kept (its transport is reused).
  let outbox: Outbox | undefined;
  const theOutbox = () => (outbox ??= createOutbox({ pool, ...loadEmailSettings(config).outbox, log }));
  stops.push(async () => outbox?.stop());

  app.get('/costs', async (c) => {
    const days = [7, 14, 30, 90].includes(Number(c.req.query('days'))) ? Number(c.req.query('days')) : 14;
    const rows = await costsByDayAndModel(pool, days);
    const head = html`<link rel="stylesheet" href="/assets/uPlot.min.css"><script src="/assets/uPlot.iife.min.js" defer></script><script src="/assets/costs-chart.js" defer></script>`;
    return c.html(page({ title: 'Costs', session: c.get('session'), section: '/costs', head }, costsPage(rows, { days, budgetUsd: config.env.LLM_DAILY_BUDGET_USD })));
  });

  app.get('/mailboxes', async (c) => c.html(page({ title: 'Mailboxes', session: c.get('session'), section: '/mailboxes' }, mailboxesPage(await listMailboxHealth(pool)))));

  app.get('/outbox', async (c) => {
    const session = c.get('session');
    const status = OUTBOX_STATUSES.includes(c.req.query('status') ?? '') ? c.req.query('status') : undefined;
    const box = theOutbox();
    const rows = await box.list({ status, limit: 5000 });
    const notice = NOTICES[c.req.query('done') ?? ''];
    const done = c.req.query('done');
    const flash =
      done === 'sent' ? { kind: 'ok' as const, text: `${notice} Sent ${Number(c.req.query('n') ?? 0)}, failed ${Number(c.req.query('f') ?? 0)}.` }
      : done === 'one' ? (c.req.query('outcome') === 'sent' ? { kind: 'ok' as const, text: 'The message was sent.' } : { kind: 'error' as const, text: `The message was not sent (${c.req.query('outcome') === 'skipped' ? 'already sent, or gone' : c.req.query('outcome') ?? 'unknown'}); see its last error.` })
      : undefined;
    return c.html(page({ title: 'Outbox', session, section: '/outbox', live: 'outbox', flash }, outboxPage(rows, { configured: box.configured, canAct: session.canAct, status })));
  });

  app.post('/outbox/send', requireAct, async (c) => {
    const box = theOutbox();
    if (!box.configured) return c.html(page({ title: 'Outbox', session: c.get('session'), section: '/outbox', flash: { kind: 'error', text: 'SMTP is not configured (SMTP_URL or SMTP_HOST); nothing was sent.' } }, outboxPage(await box.list({ limit: 5000 }), { configured: false, canAct: true })), 409);
    const report = await box.sendPending({ includeNotSent: true, includeFailed: true, limit: 10_000 });
    log.info({ identity: c.get('session').identity, ...report }, 'dashboard: outbox sent');
    return c.redirect(`/outbox?done=sent&n=${report.sent}&f=${report.failed}`, 303);
  });

  app.post('/outbox/:id/send', requireAct, async (c) => {
    const box = theOutbox();
    const id = c.req.param('id');
    if (!/^[0-9a-f-]{36}$/i.test(id)) return c.text('no such message', 404);
    if (!box.configured) return c.redirect('/outbox?done=one&outcome=smtp_not_configured', 303);
    const { outcome, row } = await box.sendOne(id);
    if (!row) return c.text('no such message', 404);
    log.info({ identity: c.get('session').identity, outbox_id: id, outcome }, 'dashboard: one message sent now');
    return c.redirect(`/outbox?done=one&outcome=${outcome}`, 303);
  });
}
