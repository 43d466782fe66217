/**
 * Unsubscribe links for automated mail: a token signed per recipient (HMAC-SHA256 with a secret
 * of this installation), the RFC 2369 `List-Unsubscribe` header with an HTTPS URL under
 * PUBLIC_URL and a `mailto:`, RFC 8058's `List-Unsubscribe-Post: List-Unsubscribe=One-Click`,
 * and the visible footer (link and the sender's postal address).
 *
 * The token carries the address itself (base64url) beside its signature: the suppression list
 * keeps only hashes, so the address cannot be looked up from anything else, and a link must keep
 * working after the lead is deleted.
 *
 * The secret is MAILROOM_UNSUBSCRIBE_SECRET, or one generated at first use and kept in
 * `<data dir>/unsubscribe-secret` (mode 0600), as the API token is. Every process of one
 * installation must see the same secret, or links sent by one are refused by another.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { PolicyDeniedError } from '../errors.ts';
import { normaliseAddress } from './suppression.ts';

const VERSION = 'u1';
const SIG_BYTES = 18;

export function unsubscribeSecretFile(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'unsubscribe-secret');
}

/** The installation's signing secret (generated once when not configured). */
export function loadUnsubscribeSecret(config: Pick<Config, 'dataDir' | 'env'>): string {
  const configured = config.env.MAILROOM_UNSUBSCRIBE_SECRET;
  if (configured) return configured;
  const file = unsubscribeSecretFile(config);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      // `wx`: two processes starting at once must not end up with different secrets.
      fs.writeFileSync(file, `${crypto.randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** PUBLIC_URL, or where this service listens locally. */
export function publicUrlOf(config: Pick<Config, 'env' | 'port'>): string {
  return (config.env.PUBLIC_URL ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
}

/** What links and headers need, from the configuration. */
export function unsubscribeContext(config: Pick<Config, 'env' | 'port' | 'dataDir'>): UnsubscribeContext {
  const from = config.env.MAIL_FROM;
  return { secret: loadUnsubscribeSecret(config), publicUrl: publicUrlOf(config), mailbox: /<([^>]+)>/.exec(from)?.[1] ?? from };
}

const sign = (secret: string, address: string) => crypto.createHmac('sha256', secret).update(`unsubscribe:${address}`).digest().subarray(0, SIG_BYTES);

export function unsubscribeToken(secret: string, address: string): string {
  const a = normaliseAddress(address);
  return `${VERSION}.${Buffer.from(a, 'utf8').toString('base64url')}.${sign(secret, a).toString('base64url')}`;
}

/** The address a token was made for, or null when it is malformed or its signature is wrong. */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  const m = /^u1\.([A-Za-z0-9_-]{1,700})\.([A-Za-z0-9_-]{10,64})$/.exec(token);
  if (!m) return null;
  const address = Buffer.from(m[1]!, 'base64url').toString('utf8');
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(address) || normaliseAddress(address) !== address) return null;
  const given = Buffer.from(m[2]!, 'base64url');
  const expected = sign(secret, address);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  return address;
}

export interface UnsubscribeContext {
  secret: string;
  /** PUBLIC_URL (or http://localhost:PORT). */
  publicUrl: string;
  /** The address a `mailto:` unsubscribe goes to (MAIL_FROM's address). */
  mailbox: string;
}

export function unsubscribeUrl(ctx: UnsubscribeContext, address: string): string {
  return `${ctx.publicUrl.replace(/\/+$/, '')}/unsubscribe/${unsubscribeToken(ctx.secret, address)}`;
}

/** RFC 2369 + RFC 8058 headers for a message to `address`. */
export function unsubscribeHeaders(ctx: UnsubscribeContext, address: string): Record<string, string> {
  const mailto = `mailto:${normaliseAddress(ctx.mailbox)}?subject=unsubscribe`;
  return {
    'List-Unsubscribe': `<${unsubscribeUrl(ctx, address)}>, <${mailto}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

// The footer in the message's language; each reply word is one the router reads as an unsubscribe (automated-mail.ts).
const FOOTER: Record<string, { ask: string; reply: string }> = {
  en: { ask: "Don't want these emails? Unsubscribe:", reply: '(or reply with "unsubscribe" as the subject).' },
  de: { ask: 'Sie möchten diese E-Mails nicht mehr erhalten? Abmelden:', reply: '(oder antworten Sie mit „abmelden“ als Betreff).' },
  fr: { ask: 'Vous ne souhaitez plus recevoir ces e-mails ? Se désinscrire :', reply: '(ou répondez avec « désinscrire » comme objet).' },
  es: { ask: '¿No desea recibir estos correos? Darse de baja:', reply: '(o responda con «baja» como asunto).' },
};

/** The visible footer: the link (a client may not show the header) and who is writing, from where. */
export function unsubscribeFooter(ctx: UnsubscribeContext, address: string, postalAddress: string, language = 'en'): string {
  const words = FOOTER[language.toLowerCase().slice(0, 2)] ?? FOOTER.en!;
  return [
    '-- ',
    `${words.ask} ${unsubscribeUrl(ctx, address)}`,
    words.reply,
    postalAddress.trim().replace(/\s*\n\s*/g, ', '),
  ].join('\n');
}

export interface AutomatedMailParts {
  to: string;
  text: string;
  headers?: Record<string, string>;
  /** The language the message is written in (ISO 639-1): the footer follows it. */
  language?: string;
}

/**
 * Adds the unsubscribe headers and footer to an automated message. Refuses one without a postal
 * address: the law in most places (CAN-SPAM, the EU's ePrivacy rules) wants it in every message.
 */
export function withUnsubscribe<M extends AutomatedMailParts>(mail: M, ctx: UnsubscribeContext, postalAddress: string | undefined): M {
  if (!postalAddress?.trim()) {
    throw new PolicyDeniedError('automated email needs the sender\'s postal address: set lead.postal_address in the policy file');
  }
  const to = normaliseAddress(mail.to);
  return {
    ...mail,
    text: `${mail.text.trimEnd()}\n\n${unsubscribeFooter(ctx, to, postalAddress, mail.language)}\n`,
    headers: { ...(mail.headers ?? {}), ...unsubscribeHeaders(ctx, to) },
  };
}
