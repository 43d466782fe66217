/**
 * Sender authentication. Mailroom does not resolve DNS itself (its inbox may be a folder); it
 * reads the Authentication-Results header that the receiving server added, and trusts it only
 * when that server's authserv-id is configured (any other such header could have been written
 * by the sender). `aligned` is true when DMARC passed, false when it or SPF/DKIM failed.
 */
export interface SenderAuth {
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  aligned: boolean | null;
  fromDomain: string | null;
  method: 'header' | 'none';
  authservId: string | null;
}

export function readAuthenticationResults(header: string | undefined, from: string | null, trustedAuthservId?: string): SenderAuth {
  const fromDomain = from?.split('@')[1]?.toLowerCase() ?? null;
  const none: SenderAuth = { spf: null, dkim: null, dmarc: null, aligned: null, fromDomain, method: 'none', authservId: null };
  if (!header) return none;
  const authservId = header.split(';')[0]!.trim().split(/\s+/)[0]!.toLowerCase();
  if (!trustedAuthservId || authservId !== trustedAuthservId.toLowerCase()) return { ...none, authservId };
  const result = (method: string) => new RegExp(`\\b${method}\\s*=\\s*(\\w+)`, 'i').exec(header)?.[1]?.toLowerCase() ?? null;
  const spf = result('spf');
  const dkim = result('dkim');
  const dmarc = result('dmarc');
  const failed = [spf, dkim, dmarc].some((r) => r === 'fail' || r === 'softfail' || r === 'permerror');
  return { spf, dkim, dmarc, aligned: dmarc === 'pass' ? true : failed ? false : null, fromDomain, method: 'header', authservId };
}
