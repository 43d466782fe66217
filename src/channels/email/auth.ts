/**
 * Sender authentication: SPF, DKIM and DMARC results for every message, so workflows and the
 * policy can refuse to trust a spoofed From:.
 *
 * Two ways, chosen by what is known about the delivery:
 *   - 'verified': mailauth checks DKIM signatures, SPF for the connecting IP and DMARC itself.
 *     That needs DNS; Mailroom usually reads mail from a mailbox long after delivery (and this
 *     environment has no DNS), so the resolver is injectable and verification only runs when a
 *     caller passes the SMTP facts (`ip`, `helo`, `sender`) or asks for DKIM with a resolver.
 *   - 'header' (the default): read Authentication-Results written by the receiving server we
 *     trust, identified by its authserv-id. Any other such header could have been written by the
 *     sender and is ignored. The topmost matching header wins (the last hop that added one).
 *   - 'none': nothing trustworthy was found; every result is null and `aligned` is null.
 */
import { authenticate, type DNSResolver } from 'mailauth';

export type AuthVerdict = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy' | string;

export interface SenderAuth {
  spf: AuthVerdict | null;
  dkim: AuthVerdict | null;
  dmarc: AuthVerdict | null;
  /** True when DMARC passed (or, without a DMARC result, an SPF/DKIM pass aligned with From). */
  aligned: boolean | null;
  from_domain: string | null;
  method: 'verified' | 'header' | 'none';
  /** The authserv-id whose header was read (method 'header'). */
  authserv_id?: string | null;
  /** DKIM signing domains that passed. */
  dkim_domains?: string[];
}

export interface AuthOptions {
  /** authserv-id of the receiving server whose Authentication-Results header is trusted. */
  trustedAuthservId?: string;
  /** SMTP facts of the delivery; with `ip`, SPF is checked too. */
  ip?: string;
  helo?: string;
  mta?: string;
  sender?: string;
  /** DNS resolver for verification (tests serve keys from a stub). Without it, only headers are read. */
  resolver?: DNSResolver;
}

function rawHeaders(bytes: Buffer): Array<{ key: string; value: string }> {
  const lf = bytes.indexOf('\n\n');
  const crlf = bytes.indexOf('\r\n\r\n');
  const ends = [lf, crlf].filter((n) => n >= 0);
  const end = Math.min(ends.length ? Math.min(...ends) : bytes.length, 512 * 1024);
  const head = bytes.subarray(0, end).toString('utf8').replace(/\r\n/g, '\n');
  const out: Array<{ key: string; value: string }> = [];
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1]!.value += ` ${line.trim()}`;
    else {
      const i = line.indexOf(':');
      if (i > 0) out.push({ key: line.slice(0, i).trim().toLowerCase(), value: line.slice(i + 1).trim() });
    }
  }
  return out;
}

export function fromDomainOf(bytes: Buffer): string | null {
  const from = rawHeaders(bytes).find((h) => h.key === 'from')?.value;
  if (!from) return null;
  const m = /<[^<>@\s]*@([^<>\s]+)>\s*$/.exec(from) ?? /@([\w.-]+)/.exec(from);
  return m ? m[1]!.toLowerCase().replace(/[>.]+$/, '') : null;
}

/** Organisational domain, approximated as the last two labels (three for common second-level TLDs like co.uk). */
function orgDomain(domain: string): string {
  const labels = domain.toLowerCase().split('.').filter(Boolean);
  const twoLevel = /^(co|com|net|org|gov|ac|edu|ne|or)$/.test(labels[labels.length - 2] ?? '') && (labels[labels.length - 1]?.length ?? 0) === 2;
  return labels.slice(twoLevel ? -3 : -2).join('.');
}

function aligns(a: string | null | undefined, b: string | null | undefined): boolean {
  return Boolean(a && b && orgDomain(a) === orgDomain(b));
}

/** Parses one Authentication-Results value (RFC 8601) into method → { result, props }. */
export function parseAuthenticationResults(value: string): { authservId: string; results: Array<{ method: string; result: string; props: Record<string, string> }> } {
  // Comments in parentheses carry no meaning; drop them (not nested in practice).
  const clean = value.replace(/\([^()]*\)/g, ' ');
  const [idPart, ...rest] = clean.split(';');
  const authservId = (idPart ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const results: Array<{ method: string; result: string; props: Record<string, string> }> = [];
  for (const chunk of rest) {
    const tokens = chunk.trim().split(/\s+/).filter(Boolean);
    const first = tokens.shift();
    const m = first && /^([\w.-]+)(?:\/[\d.]+)?=([\w-]+)$/.exec(first);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const t of tokens) {
      const p = /^([\w.-]+)=(.*)$/.exec(t);
      if (p) props[p[1]!.toLowerCase()] = p[2]!.replace(/^"|"$/g, '');
    }
    results.push({ method: m[1]!.toLowerCase(), result: m[2]!.toLowerCase(), props });
  }
  return { authservId, results };
}

function fromHeader(bytes: Buffer, trustedAuthservId: string | undefined): SenderAuth {
  const from_domain = fromDomainOf(bytes);
  const none: SenderAuth = { spf: null, dkim: null, dmarc: null, aligned: null, from_domain, method: 'none' };
  if (!trustedAuthservId) return none;
  const trusted = trustedAuthservId.toLowerCase();
  const header = rawHeaders(bytes)
    .filter((h) => h.key === 'authentication-results')
    .map((h) => parseAuthenticationResults(h.value))
    .find((h) => h.authservId === trusted);
  if (!header) return { ...none, authserv_id: null };
  const pick = (method: string) => header.results.filter((r) => r.method === method);
  const spfR = pick('spf')[0];
  const dkimAll = pick('dkim');
  // Several signatures: one pass is enough for DKIM, as DMARC sees it.
  const dkimPass = dkimAll.filter((r) => r.result === 'pass');
  const dkimR = dkimPass[0] ?? dkimAll[0];
  const dmarcR = pick('dmarc')[0];
  const spfDomain = spfR?.props['smtp.mailfrom']?.split('@').pop() ?? spfR?.props['smtp.helo'];
  const dkimDomains = dkimPass.map((r) => (r.props['header.d'] ?? r.props['header.i']?.split('@').pop() ?? '').toLowerCase()).filter(Boolean);
  let aligned: boolean | null = null;
  if (dmarcR) aligned = dmarcR.result === 'pass';
  else if ((spfR?.result === 'pass' && aligns(spfDomain, from_domain)) || dkimDomains.some((d) => aligns(d, from_domain))) aligned = true;
  else if (spfR || dkimR) aligned = false;
  return {
    spf: spfR?.result ?? null,
    dkim: dkimR?.result ?? null,
    dmarc: dmarcR?.result ?? null,
    aligned,
    from_domain,
    method: 'header',
    authserv_id: header.authservId,
    dkim_domains: dkimDomains,
  };
}

/**
 * Records SPF/DKIM/DMARC for a message. Never throws: a verification error is reported as
 * `temperror` results, never as a pass.
 */
export async function authenticateSender(bytes: Buffer, options: AuthOptions = {}): Promise<SenderAuth> {
  if (!options.resolver) return fromHeader(bytes, options.trustedAuthservId);
  const from_domain = fromDomainOf(bytes);
  try {
    const r = await authenticate(bytes, {
      resolver: options.resolver,
      ip: options.ip,
      helo: options.helo,
      mta: options.mta ?? 'mailroom.local',
      sender: options.sender,
      disableArc: true,
      disableBimi: true,
      // Without the SMTP facts SPF cannot be judged from the message alone.
      trustReceived: false,
    });
    const dkimResults = r.dkim?.results ?? [];
    const passing = dkimResults.filter((d) => (d as { status?: { result?: string } }).status?.result === 'pass');
    const dkim = passing.length ? 'pass' : ((dkimResults[0] as { status?: { result?: string } } | undefined)?.status?.result ?? 'none');
    const spf = options.ip && r.spf ? r.spf.status.result : null;
    const dmarc = r.dmarc ? r.dmarc.status.result : null;
    const dkimDomains = passing.map((d) => (d as { signingDomain?: string }).signingDomain ?? '').filter(Boolean).map((d) => d.toLowerCase());
    let aligned: boolean | null;
    if (dmarc && dmarc !== 'none' && dmarc !== 'temperror') aligned = dmarc === 'pass';
    else aligned = dkimDomains.some((d) => aligns(d, from_domain)) || (spf === 'pass' && aligns(r.spf ? r.spf.domain : null, from_domain));
    return { spf, dkim, dmarc, aligned, from_domain, method: 'verified', dkim_domains: dkimDomains };
  } catch {
    return { spf: 'temperror', dkim: 'temperror', dmarc: 'temperror', aligned: false, from_domain, method: 'verified' };
  }
}

/** Synchronous header-only reading, for parse.ts (which has no resolver). */
export function readTrustedAuthResults(bytes: Buffer, trustedAuthservId?: string): SenderAuth {
  return fromHeader(bytes, trustedAuthservId);
}
