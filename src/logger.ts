/**
 * One pino logger for the process. JSON lines by default; pretty output when stderr is a
 * terminal. Children carry context (`run_id`, `step`, `component`) so every line of a run can
 * be found again. Secrets are redacted by path: never log tokens, passwords or bodies.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'password', '*.password', 'token', '*.token', 'apiKey', '*.apiKey', 'authorization', '*.authorization',
  'body', '*.body', 'text', '*.text', 'html', '*.html', 'raw', '*.raw',
];

let root: Logger | undefined;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const pretty = process.stderr.isTTY && process.env.NODE_ENV !== 'test';
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } };
  if (pretty) {
    return pino(options, pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: true } }));
  }
  return pino(options, pino.destination(2));
}

export function logger(): Logger {
  root ??= createLogger();
  return root;
}

export function setLogger(next: Logger): void {
  root = next;
}
