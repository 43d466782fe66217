/**
 * Email channel settings, resolved once from the validated config plus the email-only variables
 * that src/config.ts does not know yet (read from the same environment source and validated
 * here with zod, with messages that name the variable).
 *
 * Several IMAP accounts: `IMAP_ACCOUNTS` is a JSON array; each entry may name its password
 * directly or, better, the variable that holds it (`passwordEnv`). The single-account
 * variables (IMAP_HOST, IMAP_USER, ...) define an account named `default` and stay valid.
 *
 *   IMAP_ACCOUNTS='[{"name":"ap","host":"imap.example.com","user":"ap@example.com",
 *                    "passwordEnv":"IMAP_AP_PASSWORD","mailboxes":["INBOX","Invoices"],
 *                    "processed":"move:Processed"}]'
 */
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { ConfigError } from '../../errors.ts';

export type ProcessedMark = { kind: 'keyword'; keyword: string } | { kind: 'move'; folder: string };

export interface ImapAccountSettings {
  name: string;
  host: string;
  port: number;
  /** Implicit TLS (993). When false, STARTTLS is still used if the server offers it. */
  tls: boolean;
  /** Plain, unencrypted connections are refused unless this is set (local servers only). */
  allowPlain: boolean;
  user: string;
  password: string;
  mailboxes: string[];
  processed: ProcessedMark;
}

export interface EmailLimitsSettings {
  maxBytes: number;
  maxAttachments: number;
  maxAttachmentBytes: number;
  maxNestingDepth: number;
  timeoutMs: number;
}

export interface ImapTuning {
  /** What a never-seen mailbox starts with: only mail arriving from now on, or every unprocessed message. */
  initial: 'new' | 'all';
  /** IDLE is broken and re-issued this often; each restart is a liveness check of the connection. */
  idleRestartMs: number;
  /** No answer from the server for this long (IDLE restarts included) → reconnect. */
  watchdogMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Messages above this size are not downloaded by the listener; they are recorded as rejected. */
  maxFetchBytes: number;
}

export interface SmtpSettings {
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /** true: implicit TLS; false: plain (STARTTLS if offered); undefined: by port (465 → TLS). */
  tls?: boolean;
  /** Same as `tls` (older callers). */
  secure?: boolean;
}

export interface OutboxSettings {
  from: string;
  smtp: SmtpSettings | undefined;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  softBounceResends: number;
  softBounceDelayMs: number;
}

export interface EmailSettings {
  accounts: ImapAccountSettings[];
  imap: ImapTuning;
  limits: EmailLimitsSettings;
  /** authserv-id of the receiving server whose Authentication-Results header is trusted. */
  trustedAuthservId: string | undefined;
  inboxDir: string;
  outbox: OutboxSettings;
}

export const DEFAULT_EMAIL_LIMITS: EmailLimitsSettings = {
  maxBytes: 25 * 1024 * 1024,
  maxAttachments: 100,
  maxAttachmentBytes: 20 * 1024 * 1024,
  maxNestingDepth: 20,
  timeoutMs: 15_000,
};

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Email variables not (yet) in src/config.ts's schema. */
export const emailEnvSchema = z.object({
  IMAP_ACCOUNTS: z.string().optional(),
  IMAP_ALLOW_PLAIN: bool.default(false),
  IMAP_INITIAL: z.enum(['new', 'all']).default('new'),
  IMAP_IDLE_RESTART_MS: int(1000).default(5 * 60_000),
  IMAP_WATCHDOG_MS: int(1000).default(6 * 60_000),
  IMAP_RECONNECT_MIN_MS: int(10).default(1000),
  IMAP_RECONNECT_MAX_MS: int(100).default(5 * 60_000),
  IMAP_MAX_FETCH_BYTES: int(1024).default(100 * 1024 * 1024),
  EMAIL_MAX_BYTES: int(1024).default(DEFAULT_EMAIL_LIMITS.maxBytes),
  EMAIL_MAX_ATTACHMENTS: int(0).default(DEFAULT_EMAIL_LIMITS.maxAttachments),
  EMAIL_MAX_ATTACHMENT_BYTES: int(1).default(DEFAULT_EMAIL_LIMITS.maxAttachmentBytes),
  EMAIL_MAX_NESTING_DEPTH: int(1, 1000).default(DEFAULT_EMAIL_LIMITS.maxNestingDepth),
  EMAIL_PARSE_TIMEOUT_MS: int(100).default(DEFAULT_EMAIL_LIMITS.timeoutMs),
  EMAIL_TRUSTED_AUTHSERV_ID: z.string().trim().min(1).optional(),
  OUTBOX_MAX_ATTEMPTS: int(1, 100).default(10),
  OUTBOX_RETRY_BASE_MS: int(10).default(30_000),
  OUTBOX_RETRY_MAX_MS: int(100).default(6 * 3600_000),
  OUTBOX_POLL_MS: int(100).default(5000),
  OUTBOX_SOFT_BOUNCE_RESENDS: int(0, 20).default(2),
  OUTBOX_SOFT_BOUNCE_DELAY_MS: int(10).default(3600_000),
});

const accountSchema = z
  .object({
    name: z.string().trim().min(1).regex(/^[\w.@-]+$/, 'letters, digits, . _ - @ only'),
    host: z.string().trim().min(1),
    port: int(1, 65535).optional(),
    tls: z.boolean().default(true),
    allowPlain: z.boolean().optional(),
    user: z.string().min(1),
    password: z.string().min(1).optional(),
    passwordEnv: z.string().min(1).optional(),
    mailboxes: z.array(z.string().min(1)).min(1).optional(),
    mailbox: z.string().min(1).optional(),
    processed: z.string().min(1).optional(),
  })
  .refine((a) => a.password || a.passwordEnv, { message: 'needs "password" or "passwordEnv"' });

/** `keyword:$MailroomProcessed` or `move:Processed`. */
export function parseProcessedMark(value: string, variable = 'IMAP_PROCESSED'): ProcessedMark {
  const m = /^(keyword|move):(.+)$/.exec(value.trim());
  if (!m) throw new ConfigError(`Invalid configuration:\n  ${variable}: expected "keyword:$Name" or "move:Folder" (got ${JSON.stringify(value)})`);
  if (m[1] === 'keyword') {
    if (!/^\$?[\w-]+$/.test(m[2]!)) throw new ConfigError(`Invalid configuration:\n  ${variable}: a keyword is one atom such as $MailroomProcessed (got ${JSON.stringify(m[2])})`);
    return { kind: 'keyword', keyword: m[2]! };
  }
  return { kind: 'move', folder: m[2]! };
}

function fail(variable: string, error: z.ZodError): never {
  const lines = error.issues.map((i) => `  ${variable}${i.path.length ? `[${i.path.join('.')}]` : ''}: ${i.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/**
 * Resolves the email settings. `source` is the raw environment (process.env merged with .env);
 * variables already validated by src/config.ts are taken from `config.env`.
 */
export function loadEmailSettings(config: Pick<Config, 'env' | 'inboxDir'>, source: Record<string, string | undefined> = process.env): EmailSettings {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = emailEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid configuration:\n  ${String(issue.path[0])}: ${issue.message} (got ${JSON.stringify(cleaned[String(issue.path[0])])})`);
  }
  const e = parsed.data;
  const env = config.env;
  const accounts: ImapAccountSettings[] = [];
  const mailboxList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

  if (env.IMAP_HOST) {
    accounts.push({
      name: 'default',
      host: env.IMAP_HOST,
      port: env.IMAP_PORT ?? (env.IMAP_TLS ? 993 : 143),
      tls: env.IMAP_TLS,
      allowPlain: e.IMAP_ALLOW_PLAIN,
      user: env.IMAP_USER ?? '',
      password: env.IMAP_PASSWORD ?? '',
      mailboxes: mailboxList(env.IMAP_MAILBOX),
      processed: parseProcessedMark(env.IMAP_PROCESSED),
    });
  }
  if (e.IMAP_ACCOUNTS) {
    let json: unknown;
    try {
      json = JSON.parse(e.IMAP_ACCOUNTS);
    } catch (err) {
      throw new ConfigError(`Invalid configuration:\n  IMAP_ACCOUNTS: not valid JSON (${(err as Error).message}); expected an array of {name, host, user, passwordEnv, ...}`, { cause: err });
    }
    const list = z.array(accountSchema).safeParse(json);
    if (!list.success) fail('IMAP_ACCOUNTS', list.error);
    for (const a of list.data) {
      const password = a.password ?? source[a.passwordEnv!];
      if (!password) throw new ConfigError(`Invalid configuration:\n  IMAP_ACCOUNTS[${a.name}]: the variable ${a.passwordEnv} named by passwordEnv is not set`);
      if (accounts.some((x) => x.name === a.name)) throw new ConfigError(`Invalid configuration:\n  IMAP_ACCOUNTS: account name "${a.name}" is used twice`);
      accounts.push({
        name: a.name,
        host: a.host,
        port: a.port ?? (a.tls ? 993 : 143),
        tls: a.tls,
        allowPlain: a.allowPlain ?? e.IMAP_ALLOW_PLAIN,
        user: a.user,
        password,
        mailboxes: a.mailboxes ?? (a.mailbox ? mailboxList(a.mailbox) : mailboxList(env.IMAP_MAILBOX)),
        processed: parseProcessedMark(a.processed ?? env.IMAP_PROCESSED, `IMAP_ACCOUNTS[${a.name}].processed`),
      });
    }
  }
  for (const a of accounts) {
    if (!a.tls && !a.allowPlain && !isLoopback(a.host)) {
      throw new ConfigError(
        `Invalid configuration:\n  IMAP_TLS: account "${a.name}" would connect to ${a.host} without TLS; set IMAP_TLS=true, or IMAP_ALLOW_PLAIN=true for a trusted local server`,
      );
    }
  }

  const smtpConfigured = Boolean(env.SMTP_URL || env.SMTP_HOST);
  return {
    accounts,
    imap: {
      initial: e.IMAP_INITIAL,
      idleRestartMs: e.IMAP_IDLE_RESTART_MS,
      watchdogMs: Math.max(e.IMAP_WATCHDOG_MS, e.IMAP_IDLE_RESTART_MS + 1000),
      reconnectMinMs: e.IMAP_RECONNECT_MIN_MS,
      reconnectMaxMs: Math.max(e.IMAP_RECONNECT_MAX_MS, e.IMAP_RECONNECT_MIN_MS),
      maxFetchBytes: e.IMAP_MAX_FETCH_BYTES,
    },
    limits: {
      maxBytes: e.EMAIL_MAX_BYTES,
      maxAttachments: e.EMAIL_MAX_ATTACHMENTS,
      maxAttachmentBytes: e.EMAIL_MAX_ATTACHMENT_BYTES,
      maxNestingDepth: e.EMAIL_MAX_NESTING_DEPTH,
      timeoutMs: e.EMAIL_PARSE_TIMEOUT_MS,
    },
    trustedAuthservId: e.EMAIL_TRUSTED_AUTHSERV_ID,
    inboxDir: config.inboxDir,
    outbox: {
      from: env.MAIL_FROM,
      smtp: smtpConfigured
        ? { url: env.SMTP_URL, host: env.SMTP_HOST, port: env.SMTP_PORT, user: env.SMTP_USER, password: env.SMTP_PASSWORD, tls: env.SMTP_TLS }
        : undefined,
      maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      retryBaseMs: e.OUTBOX_RETRY_BASE_MS,
      retryMaxMs: e.OUTBOX_RETRY_MAX_MS,
      pollMs: e.OUTBOX_POLL_MS,
      softBounceResends: e.OUTBOX_SOFT_BOUNCE_RESENDS,
      softBounceDelayMs: e.OUTBOX_SOFT_BOUNCE_DELAY_MS,
    },
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Tuning defaults for code that builds a listener without going through the environment (tests). */
export const DEFAULT_IMAP_TUNING: ImapTuning = {
  initial: 'new',
  idleRestartMs: 5 * 60_000,
  watchdogMs: 6 * 60_000,
  reconnectMinMs: 1000,
  reconnectMaxMs: 5 * 60_000,
  maxFetchBytes: 100 * 1024 * 1024,
};
