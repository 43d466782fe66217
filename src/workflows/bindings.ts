/**
 * Binds the workflows' ports to the modules that implement them (email parsing and outbox,
 * the decision core, document extraction, Slack), and starts the channels that feed intake.
 */
import type pg from 'pg';
import type { Config } from '../config.ts';
import { NonRetriableError } from '../errors.ts';
import type { HttpServer } from '../http/server.ts';
import type { Intake } from '../intake/intake.ts';
import type { Logger } from '../logger.ts';
import type { WorkflowServices } from './ports.ts';

type BoundPorts = Pick<WorkflowServices, 'decisions' | 'documents' | 'mailer' | 'parser' | 'notifier' | 'progress'>;

export interface Bindings {
  services: BoundPorts;
  startChannels(deps: { intake: Intake; http: HttpServer }): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

const missing = (what: string) => () => {
  throw new NonRetriableError(`${what} is not available in this build`);
};

export async function bindPorts(_deps: { config: Config; pool: pg.Pool; log: Logger; role: string }): Promise<Bindings> {
  return {
    services: {
      decisions: { provider: 'none', prefilter: () => ({ skip: false }), triage: missing('the decision core'), draftReply: missing('the decision core') },
      documents: { extract: missing('document extraction') },
      mailer: { send: missing('the outbox') },
      parser: { parseEmail: missing('email parsing') },
    },
    async startChannels() {
      return { stop: async () => undefined };
    },
    async close() {},
  };
}
