/**
 * Sign-in and sign-out, the session check every other dashboard route sits behind, and the
 * CSRF and "may act" checks for state-changing requests.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { html } from './html.ts';
import { page } from './layout.ts';
import { crossSiteReason } from './security.ts';
import { createSession, endSession, findSession, SESSION_COOKIE, SESSION_HOURS, viewerTokens, whoIs, type SignInTokens } from './session.ts';
import type { DashApp, DashboardDeps, DashEnv } from './context.ts';

/** Only a local path may be a place to return to after sign-in (no open redirect). */
export const safeNext = (next: string | undefined): string => (next && /^\/(?![/\\])[\w\-./?=&%:+,~]*$/.test(next) && !next.startsWith('/login') ? next : '/runs');

const loginPage = (next: string, error?: string) =>
  page(
    { title: 'Sign in' },
    html`<section class="card login"><h1>Sign in to Mailroom</h1>
    ${error ? html`<p class="flash error" role="alert">${error}</p>` : ''}
    <form method="post" action="/login">
      <input type="hidden" name="next" value="${next}">
      <label for="token">API token or viewer token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
      <button type="submit" class="primary">Sign in</button>
    </form>
    <p class="muted">MAILROOM_API_TOKEN signs in as its caller and may act; a MAILROOM_VIEWER_TOKEN may look but not act. Without MAILROOM_API_TOKEN, the service's token is in &lt;data dir&gt;/api-token.</p></section>`,
  );

export function registerAuth(app: DashApp, deps: DashboardDeps): void {
  const tokens: SignInTokens = { api: deps.tokens, viewer: viewerTokens(deps.config.env.MAILROOM_VIEWER_TOKEN) };
  const publicUrl = deps.config.env.PUBLIC_URL;
  const secure = publicUrl?.startsWith('https:') ?? false;

  // CSRF: every POST, sign-in included (a forged sign-in would put a victim in the attacker's session).
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const why = crossSiteReason({ origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site'), host: c.req.header('host') }, publicUrl);
      if (why) return c.html(page({ title: 'Refused' }, html`<h1>Refused</h1><p>${why}.</p>`), 403);
    }
    return next();
  });

  app.get('/login', (c) => c.html(loginPage(safeNext(c.req.query('next')))));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    const token = typeof form.token === 'string' ? form.token : '';
    const who = token.length <= 500 ? whoIs(tokens, token) : undefined;
    if (!who) {
      deps.log.info({ ip: c.req.header('x-forwarded-for') ?? undefined }, 'dashboard sign-in refused');
      return c.html(loginPage(next, 'That token is not valid.'), 401);
    }
    const secret = await createSession(deps.pool, who);
    setCookie(c, SESSION_COOKIE, secret, { httpOnly: true, sameSite: 'Strict', path: '/', secure, maxAge: SESSION_HOURS * 3600 });
    deps.log.info({ identity: who.identity, can_act: who.canAct }, 'dashboard sign-in');
    return c.redirect(next, 303);
  });
  app.post('/logout', async (c) => {
    await endSession(deps.pool, getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure });
    return c.redirect('/login', 303);
  });

  // Everything below needs a session; assets are public (they hold no data).
  app.use('*', async (c, next) => {
    const path = c.req.path;
    if (path === '/login' || path === '/logout' || path.startsWith('/assets/')) return next();
    const session = await findSession(deps.pool, getCookie(c, SESSION_COOKIE));
    if (!session) {
      if (c.req.method === 'GET' && !path.startsWith('/live/')) return c.redirect(`/login?next=${encodeURIComponent(c.req.url.slice(new URL(c.req.url).origin.length))}`, 303);
      return c.text('sign in first', 401);
    }
    c.set('session', session);
    return next();
  });
}

/** For state-changing routes: a viewer session may look, not act. */
export const requireAct: MiddlewareHandler<DashEnv> = async (c, next) => {
  if (!c.get('session').canAct) {
    return c.html(page({ title: 'Read only', session: c.get('session') }, html`<h1>Read only</h1><p>${c.get('session').identity} signed in with a viewer token: it can look, not act. Sign in with an API token to vote, retry, cancel or send.</p>`), 403);
  }
  return next();
};
