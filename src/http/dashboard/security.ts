/**
 * Browser-facing protections for every dashboard answer: a strict Content-Security-Policy
 * (scripts, styles and connections from this origin only: no inline script, so markup that
 * slipped through escaping still cannot run), no framing, no sniffing; and the CSRF check for
 * state-changing requests. The session cookie is SameSite=Strict already; the Origin and
 * Sec-Fetch-Site check is the second lock, and it also refuses a POST that names no origin at
 * all (every browser sends one on POST; a script without it has no business posting a form).
 */
import type { MiddlewareHandler } from 'hono';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set('Content-Security-Policy', CSP);
  c.res.headers.set('X-Content-Type-Options', 'nosniff');
  c.res.headers.set('X-Frame-Options', 'DENY');
  c.res.headers.set('Referrer-Policy', 'same-origin');
  if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
};

/**
 * Why a state-changing request is refused as cross-site, or undefined when it is same-origin.
 * `publicUrl` (PUBLIC_URL) is accepted as well as the Host the request came to, for a service
 * behind a proxy that rewrites Host.
 */
export function crossSiteReason(headers: { origin?: string; secFetchSite?: string; host?: string }, publicUrl?: string): string | undefined {
  const site = headers.secFetchSite?.toLowerCase();
  if (site && site !== 'same-origin' && site !== 'none') return `a ${site} request (Sec-Fetch-Site) may not change anything here`;
  if (!headers.origin) return 'the request names no Origin';
  let origin: URL;
  try {
    origin = new URL(headers.origin);
  } catch {
    return 'the Origin header is not a URL';
  }
  const allowed = new Set<string>();
  if (headers.host) allowed.add(headers.host.toLowerCase());
  if (publicUrl) allowed.add(new URL(publicUrl).host.toLowerCase());
  return allowed.has(origin.host.toLowerCase()) ? undefined : `Origin ${origin.origin} is not this dashboard`;
}
