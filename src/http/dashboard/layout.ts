/**
 * The page shell: head (one stylesheet, htmx and the dashboard script, all from this origin),
 * navigation, who is signed in, sign-out. `live` tells dashboard.js what to refresh when the
 * Server-Sent Events stream announces a transition: a list (`runs`, `approvals`) or one run.
 */
import { html, nothing, type Html } from './html.ts';
import type { Session } from './session.ts';

const NAV: Array<[string, string]> = [
  ['/runs', 'Runs'],
  ['/approvals', 'Approvals'],
  ['/costs', 'Costs'],
  ['/mailboxes', 'Mailboxes'],
  ['/outbox', 'Outbox'],
  ['/leads', 'Leads'],
  ['/candidates', 'Candidates'],
  ['/content', 'Content'],
];

// htmx reads its configuration from this meta tag: no eval (the CSP forbids it anyway), no
// inline indicator styles (they would be refused by style-src 'self'), no scripts in swaps.
const HTMX_CONFIG = JSON.stringify({ allowEval: false, includeIndicatorStyles: false, allowScriptTags: false, historyCacheSize: 0 });

export interface PageOptions {
  title: string;
  session?: Session;
  /** The nav entry to mark as current. */
  section?: string;
  live?: string;
  /** A message shown above the content (an action's outcome). */
  flash?: { kind: 'ok' | 'error'; text: string };
  head?: Html;
}

export function page(o: PageOptions, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${o.title} · Mailroom</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/dashboard.css">
${o.head ?? nothing}
<script src="/assets/htmx.min.js" defer></script>
<script src="/assets/dashboard.js" defer></script>
</head>
<body${o.live ? html` data-live="${o.live}"` : nothing}>
<header class="top">
  <a class="brand" href="/runs">Mailroom</a>
  ${o.session ? html`<nav>${NAV.map(([href, label]) => html`<a href="${href}"${o.section === href ? html` aria-current="page"` : nothing}>${label}</a>`)}</nav>
  <span class="who">${o.session.identity}${o.session.canAct ? nothing : html` <span class="badge b-other">read only</span>`}</span>
  <span class="live-dot" id="live-dot" title="live updates"></span>
  <form method="post" action="/logout" class="inline"><button type="submit" class="link">Sign out</button></form>` : nothing}
</header>
<main id="main">
${o.flash ? html`<p class="flash ${o.flash.kind}" role="status">${o.flash.text}</p>` : nothing}
${body}
</main>
</body>
</html>`;
}

/** A page that is only the message (not found, refused). */
export const messagePage = (o: PageOptions, heading: string, text: string): Html => page(o, html`<h1>${heading}</h1><p>${text}</p>`);
