/** What the router sends to the support workflow: a customer or user who needs help. */
import type { RouteSpec } from '../routes.ts';
import { classifySupport } from './offline-rules.ts';

export const supportRoute: RouteSpec = {
  route: 'support',
  workflow: 'support',
  installed: true,
  classifies: true,
  summary: 'a customer or user asks for help, reports a problem, complains, or requests a feature',
  offline: {
    rank: 40,
    match(input, options) {
      const c = classifySupport(input, options);
      if (!c) return null;
      const { routeReason, confidence, ...fields } = c;
      return { why: routeReason, confidence, fields };
    },
  },
  input: (item) => ({
    itemId: item.itemId,
    email: item.email,
    text: item.text,
    triage: item.triage,
    origin: item.kind === 'trigger' ? 'email' : item.kind,
    requester: item.requester,
  }),
};
