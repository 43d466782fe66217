/**
 * What the mailer does to automated mail before the outbox composes it: refuses it to a suppressed
 * address or without the sender's postal address (the policy gate refuses these first; this is
 * the same rule where the mail is made, so no path around the gate can send one), and adds the
 * unsubscribe headers and footer.
 */
import type pg from 'pg';
import type { Config } from '../config.ts';
import { PolicyDeniedError } from '../errors.ts';
import { outreachPolicy } from '../policy/outreach-gate.ts';
import type { Policy } from '../policy/schema.ts';
import { isSuppressed } from './suppression.ts';
import { unsubscribeContext, withUnsubscribe, type UnsubscribeContext } from './unsubscribe.ts';

export interface OutboundMail {
  to: string;
  text: string;
  headers?: Record<string, string>;
  automated?: boolean;
}

export function createOutreachDecorator(deps: { config: Config; policy: Policy; pool: Pick<pg.Pool, 'query'> }) {
  let ctx: UnsubscribeContext | undefined;
  return async function decorate<M extends OutboundMail>(mail: M, idempotencyKey: string): Promise<M> {
    if (!mail.automated) return mail;
    // A replay of a message already in the outbox gets the stored row back: nothing to check again.
    const stored = await deps.pool.query('SELECT 1 FROM mailroom.outbox WHERE idempotency_key = $1', [idempotencyKey]);
    if (!stored.rowCount && (await isSuppressed(deps.pool, mail.to))) throw new PolicyDeniedError(`${mail.to} is on the suppression list: automated email refused`);
    ctx ??= unsubscribeContext(deps.config);
    return withUnsubscribe(mail, ctx, outreachPolicy(deps.policy).postalAddress ?? undefined);
  };
}
