import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEligible, isRequester } from '../../src/approvals/store.ts';

const approval = (approvers: string[], escalation: string[] = [], escalated = false) => ({ approvers, escalation, escalated_at: escalated ? new Date() : null });

test('wildcards admit only their own channel: cli:* any CLI operator, api:* any API caller', () => {
  assert.equal(isEligible('cli:alice', approval(['cli:*'])), true);
  assert.equal(isEligible('api:ops', approval(['cli:*'])), false);
  assert.equal(isEligible('api:ops', approval(['api:*'])), true);
  assert.equal(isEligible('U123', approval(['api:*', 'cli:*'])), false);
});

test('the escalation group decides only once the request was escalated', () => {
  assert.equal(isEligible('U_CFO', approval(['U_A'], ['U_CFO'])), false);
  assert.equal(isEligible('U_CFO', approval(['U_A'], ['U_CFO'], true)), true);
});

test('a requester is recognised under any of their identities', () => {
  const a = { requested_by: 'email:jane@example.com', requesters: ['email:jane@example.com', 'U_JANE', 'cli:jane'] };
  assert.equal(isRequester('cli:jane', a), true);
  assert.equal(isRequester('U_JANE', a), true);
  assert.equal(isRequester('U_BOB', a), false);
});
