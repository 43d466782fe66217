/**
 * HTML building blocks for the dashboard pages. Everything goes through Hono's `html` tagged
 * template, which escapes every interpolated string (text and attribute values alike); only the
 * results of other `html` templates pass through unescaped. Nothing here calls `raw` on data.
 * Values from mail and documents are also truncated on the server, so a 1 MB body or a
 * thousand-field extraction never reaches the browser whole.
 */
import { html as honoHtml } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString;

/** Hono's `html`, typed for synchronous use (no value given to it here is ever a promise). */
export const html = (strings: TemplateStringsArray, ...values: unknown[]): Html => honoHtml(strings, ...values) as Html;

export const nothing = html``;

/** `2026-05-01 09:30:00` (UTC), or `-`. */
export function when(d: Date | string | null | undefined): string {
  if (!d) return '-';
  const date = new Date(d);
  return Number.isNaN(+date) ? String(d) : date.toISOString().replace('T', ' ').slice(0, 19);
}

/** A time element the browser can show in its own locale later; the text is UTC. */
export const time = (d: Date | string | null | undefined): Html => (d ? html`<time datetime="${new Date(d).toISOString()}">${when(d)}</time>` : html`-`);

/** Milliseconds between two times, as `840 ms` or `3.2 s`, or an empty string. */
export function duration(from: Date | string | null | undefined, to: Date | string | null | undefined): string {
  if (!from || !to) return '';
  const ms = +new Date(to) - +new Date(from);
  if (!Number.isFinite(ms) || ms < 0) return '';
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

/** At most `max` characters, saying how much was left out. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}… (${value.length - max} more characters)`;
}

/** Any value as (pretty) JSON text, truncated. */
export function jsonText(value: unknown, max = 2000): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return truncate(value, max);
  let text: string;
  try {
    // A huge value is cut before it is pretty-printed: never format a megabyte to show 2 KB.
    const compact = JSON.stringify(value);
    text = compact.length > max * 4 ? compact : JSON.stringify(value, null, 2);
  } catch {
    text = String(value);
  }
  return truncate(text, max);
}

export const pre = (value: unknown, max = 2000): Html => {
  const text = jsonText(value, max);
  return text ? html`<pre>${text}</pre>` : nothing;
};

/** A state or status as a coloured badge; the class is from a fixed list, the text escaped. */
export function badge(state: string | null | undefined): Html {
  const known = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled', 'pending', 'approved', 'rejected', 'expired', 'sent', 'not_sent', 'retrying', 'uncertain', 'started', 'connected', 'disconnected', 'retrying'];
  const s = String(state ?? '-');
  return html`<span class="badge ${known.includes(s) ? `b-${s}` : 'b-other'}">${s}</span>`;
}

export const money = (usd: number | null | undefined): string => (typeof usd === 'number' ? `$${usd.toFixed(usd < 1 ? 4 : 2)}` : '-');

/** A query string from the non-empty values (for links that keep the filters). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
