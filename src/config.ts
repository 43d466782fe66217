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

/** Environment variables, named exactly as documented in `.env.example`. */
export const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  MAILROOM_DATA_DIR: z.string().min(1).default('.mailroom'),
  PORT: int(0, 65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

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
    },
  };
}
