/**
 * The few error classes Mailroom uses. Each one tells the caller what to do next,
 * in the style of Inngest's NonRetriableError / RetryAfterError: retry, give up,
 * wait, or hand the item to a human. Always pass `cause` so the root error survives.
 */

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'NOT_FOUND'
  | 'NON_RETRIABLE'
  | 'RETRY_AFTER'
  | 'STEP_TIMEOUT'
  | 'MAX_STEPS_EXCEEDED'
  | 'RUN_DEADLINE_EXCEEDED'
  | 'CRASH_LOOP'
  | 'ACTION_UNCERTAIN'
  | 'NEEDS_HUMAN'
  | 'POLICY_DENIED'
  | 'EXTERNAL';

export class MailroomError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A setting is missing or malformed; start-up stops with this message. */
export class ConfigError extends MailroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, options);
  }
}

/** Input from outside (a file, a payload, a CLI argument) cannot be used as given. */
export class InputError extends MailroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INPUT_INVALID', message, options);
  }
}

export class NotFoundError extends MailroomError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** Retrying cannot help (bad data, a 4xx answer): the step fails at once. */
export class NonRetriableError extends MailroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NON_RETRIABLE', message, options);
  }
}

/** The far side asked us to come back later (429 with retry-after, a busy server). */
export class RetryAfterError extends MailroomError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super('RETRY_AFTER', message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

export class StepTimeoutError extends MailroomError {
  constructor(step: string, timeoutMs: number) {
    super('STEP_TIMEOUT', `step "${step}" timed out after ${timeoutMs} ms`);
  }
}

/** The decision cannot be made by code or model alone: a person must look at it. */
export class NeedsHumanError extends MailroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NEEDS_HUMAN', message, options);
  }
}

export class PolicyDeniedError extends MailroomError {
  constructor(message: string) {
    super('POLICY_DENIED', message);
  }
}

/** Serialisable view of an error, for storing on a run or a step. */
export interface StoredError {
  name: string;
  code?: string;
  message: string;
  stack?: string;
  cause?: StoredError;
}

export function toStoredError(err: unknown, depth = 0): StoredError {
  if (err instanceof Error) {
    const stored: StoredError = { name: err.name, message: err.message };
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') stored.code = code;
    if (err.stack) stored.stack = err.stack;
    if (err.cause !== undefined && depth < 5) stored.cause = toStoredError(err.cause, depth + 1);
    return stored;
  }
  return { name: 'NonError', message: String(err) };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
