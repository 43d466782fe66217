/**
 * Control-flow signals thrown through workflow code. They are not failures: the runner
 * recognises them and stops executing without touching the run's state, which the code that
 * threw them has already stored (suspension) or that somebody else now owns (lease lost,
 * cancelled). Once one is thrown, every further step call of that execution rethrows it, so a
 * workflow that swallows exceptions cannot continue past a suspension.
 */
import { MailroomError, type StoredError } from '../errors.ts';

export class ExecutionStop extends Error {
  readonly why: 'suspended' | 'lease-lost' | 'cancelled';
  constructor(why: 'suspended' | 'lease-lost' | 'cancelled') {
    super(`execution stopped: ${why}`);
    this.name = 'ExecutionStop';
    this.why = why;
  }
}

/** A step used up its attempts (or failed non-retriably); the run fails unless the workflow catches it. */
export class StepFailedError extends MailroomError {
  readonly stepId: string;
  readonly stored: StoredError;
  constructor(stepId: string, stored: StoredError) {
    super('EXTERNAL', `step "${stepId}" failed: ${stored.message}`);
    this.stepId = stepId;
    this.stored = stored;
  }
}

/** Fails the run at once with a fixed reason (bounds, crash loop, uncertain action). */
export class RunAbort extends MailroomError {}
