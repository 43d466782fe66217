/**
 * All settings, read once from the environment (and `.env` when present) and validated with
 * one zod schema. Everything downstream receives the resolved `Config` object with units in
 * the names (`...Ms`), never `process.env`. A bad value stops start-up with a message naming
 * the variable, what is wrong, and what it should look like.
 */
import path from 'node:path';
import fs from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const optionalString = z.string().trim().min(1).optional();
const SIZE_UNITS = { b: 1, kb: 1024, mb: 1024 * 1024 } as const;
/** "1048576", "512kb", "1mb" → bytes. */
const byteSize = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb)?$/i, 'bytes, or a size like 512kb or 1mb')
  .transform((v) => {
    const [, n, unit] = /^([\d.]+)\s*(b|kb|mb)?$/i.exec(v)!;
    return Math.round(Number(n) * SIZE_UNITS[(unit?.toLowerCase() ?? 'b') as keyof typeof SIZE_UNITS]);
  });

/** Environment variables, named exactly as documented in `.env.example`. */
export const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  MAILROOM_DATA_DIR: z.string().min(1).default('.mailroom'),
  PORT: int(0, 65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** The content workflow's brand file (Markdown: voice, audience, preferred and banned terms). */
  MAILROOM_BRAND: optionalString,
  /** Where approved content is published: Markdown files under <data dir>/site/ (default), WordPress or Ghost. */
  CMS: z.enum(['folder', 'wordpress', 'ghost']).default('folder'),
  /** WordPress site root (the REST API is <url>/wp-json/wp/v2), a user and one of their application passwords. */
  WORDPRESS_URL: z.string().url().optional(),
  WORDPRESS_USER: optionalString,
  WORDPRESS_APP_PASSWORD: optionalString,
  /** Ghost site root (the Admin API is <url>/ghost/api/admin) and an Admin API key `<id>:<hex secret>`. */
  GHOST_URL: z.string().url().optional(),
  GHOST_ADMIN_KEY: z.string().regex(/^[0-9a-f]+:[0-9a-f]+$/i, 'the Admin API key as Ghost shows it: <id>:<hex secret>').optional(),
  /** A SearXNG instance (JSON API enabled) the content workflow's research may search; unset: local sources only. */
  WEB_SEARCH_URL: z.string().url().optional(),
  /** Let research fetch pages inside the local network (loopback, private ranges): an intranet, a test. */
  WEB_FETCH_ALLOW_PRIVATE: bool.default(false),
  /** Social posts handed to a webhook (Buffer, Zapier, n8n…) as signed Standard Webhooks; unset: kept in mailroom.social_posts. */
  SOCIAL_WEBHOOK_URL: z.string().url().optional(),
  SOCIAL_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'a Standard Webhooks secret: whsec_<base64>').optional(),

  LLM_PROVIDER: z.enum(['anthropic', 'openai', 'offline']).optional(),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  LLM_BASE_URL: z.string().url().optional(),
  LLM_API_KEY: optionalString,
  LLM_MODEL_FAST: optionalString,
  LLM_MODEL_STRONG: optionalString,
  LLM_TIMEOUT_MS: int(1000).default(60_000),
  LLM_MAX_RETRIES: int(0, 10).default(4),
  LLM_REQUESTS_PER_MIN: int(1).default(50),
  LLM_INPUT_TOKENS_PER_MIN: int(1000).default(200_000),
  /** Model calls in flight per process, all providers and paths together; unset: 3 × ENGINE_CONCURRENCY. */
  LLM_MAX_CONCURRENCY: int(1, 10_000).optional(),
  LLM_DAILY_BUDGET_USD: z.coerce.number().min(0).default(20),
  LLM_CONFIDENCE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.7),
  /** Let the model also read a PDF's text layer, as a path compared with the deterministic extractor. */
  EXTRACT_TEXT_MODEL: bool.default(false),
  /** Tesseract languages for OCR, each installed as @tesseract.js-data/<lang> (e.g. "eng,deu"). */
  OCR_LANGUAGES: z.string().regex(/^[a-z_]{3,12}(,[a-z_]{3,12})*$/, 'comma-separated tesseract language codes, e.g. eng,deu').default('eng'),

  IMAP_HOST: optionalString,
  IMAP_PORT: int(1, 65535).optional(),
  IMAP_USER: optionalString,
  IMAP_PASSWORD: optionalString,
  IMAP_TLS: bool.default(true),
  IMAP_MAILBOX: z.string().min(1).default('INBOX'),
  IMAP_PROCESSED: z.string().min(1).default('keyword:$MailroomProcessed'),
  MAILROOM_INBOX_DIR: optionalString,

  SMTP_URL: z.string().url().optional(),
  SMTP_HOST: optionalString,
  SMTP_PORT: int(1, 65535).optional(),
  SMTP_USER: optionalString,
  SMTP_PASSWORD: optionalString,
  SMTP_TLS: bool.optional(),
  MAIL_FROM: z.string().min(3).default('Mailroom <mailroom@localhost>'),

  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: z.string().url().optional(),
  SLACK_APPROVAL_CHANNEL: optionalString,
  SLACK_APPROVERS: optionalString,
  SLACK_INTAKE_CHANNELS: optionalString,

  MAILROOM_POLICY: optionalString,

  /** API bearer tokens, comma-separated, each `secret` or `name:secret` (caller `api:name`). Unset: one is generated. */
  MAILROOM_API_TOKEN: optionalString,
  /** Dashboard tokens that may read but not act (no votes, retries, cancels or sends); the same `name:secret` form, caller `viewer:name`. */
  MAILROOM_VIEWER_TOKEN: optionalString,
  /** The triggers file (webhook sources and schedules, YAML). */
  MAILROOM_TRIGGERS: optionalString,
  /** Largest request body the HTTP API accepts: bytes, or with a unit (512kb, 1mb). */
  HTTP_BODY_LIMIT: byteSize.default(1024 * 1024),
  /** Where users reach this service from outside (links in mail, the OpenAPI document's server). */
  PUBLIC_URL: z.string().url().optional(),
  /** Signs unsubscribe links (src/outreach/unsubscribe.ts). Unset: generated into <data dir>/unsubscribe-secret. */
  MAILROOM_UNSUBSCRIBE_SECRET: z.string().min(16, 'at least 16 characters (e.g. openssl rand -hex 24)').optional(),
  /** Company enrichment shaped like Apollo's organization enrich (`GET <ENRICH_URL>/api/v1/organizations/enrich?domain=`); unset: the companies table only. */
  ENRICH_URL: z.string().url().optional(),
  ENRICH_API_KEY: optionalString,
  /** How long one enrichment call may take; past it the lead is scored without it. */
  ENRICH_TIMEOUT_MS: int(1).default(5000),
  /** HubSpot private-app token: lead contacts and notes go to HubSpot's CRM v3 instead of the built-in tables. */
  HUBSPOT_TOKEN: optionalString,
  /** HubSpot API base URL (default https://api.hubapi.com; a local server in tests). */
  HUBSPOT_URL: z.string().url().optional(),
  /** CalDAV for interviewers' calendars (hiring): the collection their calendars live under, as <CALDAV_URL>/<interviewer id>/. Unset: the built-in calendar. */
  CALDAV_URL: z.string().url().optional(),
  CALDAV_USER: optionalString,
  CALDAV_PASSWORD: optionalString,

  ENGINE_CONCURRENCY: int(1, 1000).default(20),
  ENGINE_MAX_STEPS: int(1).default(20),
  ENGINE_STEP_TIMEOUT_MS: int(1).default(5 * 60_000),
  ENGINE_STEP_ATTEMPTS: int(1, 100).default(3),
  ENGINE_RETRY_BASE_MS: int(0).default(1000),
  ENGINE_RETRY_MAX_MS: int(0).default(60_000),
  ENGINE_MAX_RUN_DURATION_MS: int(1).default(30 * 24 * 3600_000),
  ENGINE_LEASE_MS: int(500).default(30_000),
  ENGINE_CRASH_LIMIT: int(1).default(3),
  ENGINE_RETENTION_DAYS: int(0).default(7),
  ENGINE_RETENTION_INTERVAL_MS: int(100).default(3_600_000),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env;
  dataDir: string;
  databaseUrl: string | undefined;
  port: number;
  logLevel: Env['LOG_LEVEL'];
  inboxDir: string;
  policyPath: string | undefined;
  engine: EngineSettings;
}

export interface EngineSettings {
  concurrency: number;
  maxSteps: number;
  stepTimeoutMs: number;
  stepAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxRunDurationMs: number;
  leaseMs: number;
  crashLimit: number;
  retentionDays: number;
  /** How often the service prunes old completed runs (`ENGINE_RETENTION_INTERVAL_MS`). */
  retentionIntervalMs: number;
}

/** Explains each failed variable on its own line: `PORT: expected a number, got "abc"`. */
function describeIssues(error: z.ZodError, source: Record<string, string | undefined>): string {
  return error.issues
    .map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const got = source[name];
      return `  ${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
    })
    .join('\n');
}

/** Reads `.env` from `cwd` without overriding variables already set in the environment. */
export function readEnvironment(cwd = process.cwd(), base: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const file = path.join(cwd, '.env');
  const fromFile = fs.existsSync(file) ? parseDotenv(fs.readFileSync(file)) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [k, v] of Object.entries(base)) if (v !== undefined) merged[k] = v;
  // An empty variable means "unset", as in most shells' `FOO= cmd`.
  for (const [k, v] of Object.entries(merged)) if (v === '') delete merged[k];
  return merged;
}

export function loadConfig(source: Record<string, string | undefined> = readEnvironment(), cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n${describeIssues(parsed.error, source)}\nSee .env.example for every variable and its default.`);
  }
  const env = parsed.data;
  const dataDir = path.resolve(cwd, env.MAILROOM_DATA_DIR);
  if (env.LLM_PROVIDER === 'anthropic' && !env.ANTHROPIC_API_KEY) {
    throw new ConfigError('Invalid configuration:\n  ANTHROPIC_API_KEY: required when LLM_PROVIDER=anthropic');
  }
  if (env.LLM_PROVIDER === 'openai' && !env.LLM_BASE_URL) {
    throw new ConfigError('Invalid configuration:\n  LLM_BASE_URL: required when LLM_PROVIDER=openai (e.g. http://localhost:11434/v1 for Ollama)');
  }
  if (env.IMAP_HOST && (!env.IMAP_USER || !env.IMAP_PASSWORD)) {
    throw new ConfigError('Invalid configuration:\n  IMAP_USER / IMAP_PASSWORD: required when IMAP_HOST is set');
  }
  return {
    env,
    dataDir,
    databaseUrl: env.DATABASE_URL,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    inboxDir: path.resolve(cwd, env.MAILROOM_INBOX_DIR ?? path.join(env.MAILROOM_DATA_DIR, 'inbox')),
    policyPath: env.MAILROOM_POLICY ? path.resolve(cwd, env.MAILROOM_POLICY) : undefined,
    engine: {
      concurrency: env.ENGINE_CONCURRENCY,
      maxSteps: env.ENGINE_MAX_STEPS,
      stepTimeoutMs: env.ENGINE_STEP_TIMEOUT_MS,
      stepAttempts: env.ENGINE_STEP_ATTEMPTS,
      retryBaseMs: env.ENGINE_RETRY_BASE_MS,
      retryMaxMs: env.ENGINE_RETRY_MAX_MS,
      maxRunDurationMs: env.ENGINE_MAX_RUN_DURATION_MS,
      leaseMs: env.ENGINE_LEASE_MS,
      crashLimit: env.ENGINE_CRASH_LIMIT,
      retentionDays: env.ENGINE_RETENTION_DAYS,
      retentionIntervalMs: env.ENGINE_RETENTION_INTERVAL_MS,
    },
  };
}
