/**
 * `GET /unsubscribe/:token` and `POST /unsubscribe/:token`, without an API token (the link in an
 * automated email is all the recipient has). GET only shows a confirmation page with a button:
 * mail scanners and link previews fetch GETs, and must not unsubscribe anyone. POST unsubscribes
 * at once — RFC 8058 one-click (`List-Unsubscribe=One-Click` from the mail client) and the page's
 * button alike: the address goes on the suppression list and `lead.unsubscribe` (key = the
 * normalised address) reaches any run waiting for it. A token that does not verify gets a 400 page.
 */
import type { Context } from 'hono';
import { suppress } from '../../outreach/suppression.ts';
import { loadUnsubscribeSecret, verifyUnsubscribeToken } from '../../outreach/unsubscribe.ts';
import type { ApiApp, ApiDeps, ApiEnv } from '../context.ts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem;cursor:pointer}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

export function registerUnsubscribeRoutes(app: ApiApp, deps: ApiDeps): void {
  let secret: string | undefined;
  const addressOf = (c: Context<ApiEnv>) => verifyUnsubscribeToken((secret ??= loadUnsubscribeSecret(deps.config)), c.req.param('token') ?? '');
  const invalid = (c: Context<ApiEnv>) =>
    c.html(page('This unsubscribe link is not valid', '<p>The link may be incomplete (some mail programs cut long links) or altered. Copy the whole link from the email, or reply to the email with "unsubscribe" as the subject.</p>'), 400);

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/unsubscribe/{token}',
    tags: ['unsubscribe'],
    summary: 'confirmation page for an unsubscribe link (changes nothing)',
    responses: { 200: { description: 'HTML page with a button that POSTs' }, 400: { description: 'the token does not verify' } },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/unsubscribe/{token}',
    tags: ['unsubscribe'],
    summary: 'unsubscribe at once (RFC 8058 one-click, or the confirmation page\'s button)',
    responses: { 200: { description: 'unsubscribed (also when already)' }, 400: { description: 'the token does not verify' } },
  });

  app.get('/unsubscribe/:token', (c) => {
    const address = addressOf(c);
    if (!address) return invalid(c);
    const action = escape(c.req.path);
    return c.html(
      page('Unsubscribe', `<p>Stop all emails from us to <strong>${escape(address)}</strong>?</p><form method="post" action="${action}"><input type="hidden" name="confirm" value="yes"><button type="submit">Unsubscribe</button></form>`),
      200,
    );
  });

  app.post('/unsubscribe/:token', async (c) => {
    const address = addressOf(c);
    if (!address) return invalid(c);
    const oneClick = /List-Unsubscribe=One-Click/i.test(await c.req.text().catch(() => ''));
    const via = oneClick ? 'one-click' : 'link';
    const { created } = await suppress(deps.pool, address, 'unsubscribe', `unsubscribe ${via}`);
    await deps.engine.sendEvent('lead.unsubscribe', address, { address, via }, 'unsubscribe');
    deps.log.info({ via, created }, 'unsubscribed by link');
    return c.html(page('You are unsubscribed', `<p><strong>${escape(address)}</strong> will get no more emails from us.</p>`), 200);
  });
}
