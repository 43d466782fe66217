/**
 * Fetching a page a search result names, as hostile input: http(s) only, a time limit, a size
 * limit, HTML or text only, at most a few redirects (each one checked again), and never an
 * address inside our own network (loopback, private, link-local, unique-local: a result must
 * not make Mailroom read its own metadata endpoint or admin pages) unless WEB_FETCH_ALLOW_PRIVATE
 * says so (a test's local server, an intranet search).
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { InputError } from '../../../errors.ts';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  allowPrivate: boolean;
}

const MAX_REDIRECTS = 3;

/** True for an address on the public internet. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range() === 'unicast';
}

async function checkHost(url: URL, limits: FetchLimits): Promise<void> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`${url.protocol} is not fetched (http and https only)`);
  if (limits.allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [host] : (await dns.lookup(host, { all: true })).map((a) => a.address);
  const inside = addresses.find((a) => !isPublicAddress(a));
  if (inside) throw new InputError(`${url.hostname} resolves to ${inside}, inside the local network: not fetched`);
}

/** The page's bytes as text, with its final URL and content type. */
export async function fetchPage(href: string, limits: FetchLimits, signal?: AbortSignal): Promise<{ url: string; contentType: string; text: string }> {
  let url = new URL(href);
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
  for (let hop = 0; ; hop++) {
    await checkHost(url, limits);
    const res = await fetch(url, { redirect: 'manual', signal: abort, headers: { accept: 'text/html, text/plain;q=0.9', 'user-agent': 'Mailroom research (+https://github.com/)' } });
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new InputError(`${href}: more than ${MAX_REDIRECTS} redirects`);
      url = new URL(res.headers.get('location')!, url);
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new InputError(`${url.href}: HTTP ${res.status}`);
    }
    const contentType = (res.headers.get('content-type') ?? '').toLowerCase();
    if (!/^(text\/html|application\/xhtml\+xml|text\/plain)/.test(contentType)) {
      await res.body?.cancel();
      throw new InputError(`${url.href}: ${contentType || 'no content type'}, not a page to read`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      size += chunk.byteLength;
      if (size > limits.maxBytes) throw new InputError(`${url.href}: larger than ${limits.maxBytes} bytes`);
      chunks.push(chunk);
    }
    return { url: url.href, contentType, text: Buffer.concat(chunks).toString('utf8') };
  }
}
