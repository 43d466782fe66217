import assert from 'node:assert/strict';
import { test } from 'node:test';
import { triageSchemaFor } from '../../src/llm/anthropic/decision-core.ts';
import { offlineTriage } from '../../src/llm/offline/triage.ts';
import { loadPrompts } from '../../src/llm/prompts.ts';
import { routeCatalog, type RouteSpec } from '../../src/workflows/routes.ts';
import { routes, routeSpecs } from '../../src/workflows/index.ts';
import type { TriageInput } from '../../src/workflows/ports.ts';

const item = (text: string): TriageInput => ({ kind: 'slack_message', text, attachments: [] });
const refunds: RouteSpec = {
  route: 'refund',
  workflow: 'refunds',
  installed: true,
  summary: 'a customer asks for their money back',
  offline: { rank: 5, match: (i) => (/money back/i.test(i.text) ? { why: 'asks for their money back', confidence: 0.5 } : null) },
};

test('a registered route reaches the triage tool enum, the prompt and the offline rules without other edits', () => {
  const catalog = routeCatalog([...routeSpecs, refunds]);
  const schema = triageSchemaFor(catalog);
  assert.ok(schema.shape.route.safeParse('refund').success);
  assert.ok(!triageSchemaFor(routes).shape.route.safeParse('refund').success, 'the default registry does not know it');
  assert.match(schema.shape.route.description ?? '', /refund: a customer asks for their money back/);
  const prompt = loadPrompts(undefined, { routes: catalog.promptText() }).get('triage')!.body;
  assert.match(prompt, /- `refund`: a customer asks for their money back/);
  assert.doesNotMatch(prompt, /\{\{routes\}\}/);
  const t = offlineTriage(item('I want my money back, this is not working'), catalog);
  assert.equal(t.route, 'refund', 'its rule ranks before support');
  assert.equal(offlineTriage(item('I want my money back, this is not working'), routes).route, 'support');
});

test('the registry lists every route the router knows, with lead and job applications recognised even before their workflows exist', () => {
  assert.deepEqual([...routes.values].sort(), ['invoice', 'job_application', 'lead', 'support', 'unrouted']);
  assert.equal(routes.byWorkflow('hiring')?.route, 'job_application');
  for (const spec of routes.specs.filter((s) => s.installed)) assert.ok(spec.input, `${spec.route} builds its workflow's input`);
});
