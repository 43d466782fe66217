/**
 * What an address says by itself: a free-mail or disposable domain (from maintained npm lists,
 * not a hand-typed one), and role addresses (`info@`, `sales@`) that reach a team, not a person.
 */
import { isDisposableEmailDomain } from 'disposable-email-domains-js';
import providers from 'email-providers/all.json' with { type: 'json' };

const FREE = new Set((providers as string[]).map((d) => d.toLowerCase()));
// RFC 2606 documentation names: the provider list carries example.com, but no person's mailbox is there.
const RESERVED = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/;

/** Local parts that name a function or a team rather than a person. */
const ROLE = new Set([
  'info', 'sales', 'contact', 'hello', 'hi', 'office', 'admin', 'support', 'help', 'team', 'marketing', 'billing', 'accounts',
  'accounting', 'finance', 'hr', 'jobs', 'careers', 'press', 'media', 'noreply', 'no-reply', 'webmaster', 'postmaster',
  'mail', 'enquiries', 'inquiries', 'kontakt', 'vertrieb', 'buero', 'bureau', 'ventas', 'contacto', 'service', 'ops',
]);

export interface AddressFacts {
  domain: string;
  freeMail: boolean;
  disposable: boolean;
  role: boolean;
}

export function addressFacts(address: string): AddressFacts {
  const at = address.lastIndexOf('@');
  const local = (at < 0 ? address : address.slice(0, at)).toLowerCase();
  const domain = at < 0 ? '' : address.slice(at + 1).toLowerCase();
  const disposable = domain !== '' && isDisposableEmailDomain(domain);
  return {
    domain,
    freeMail: !disposable && !RESERVED.test(domain) && FREE.has(domain),
    disposable,
    role: ROLE.has(local.split('+')[0]!),
  };
}
