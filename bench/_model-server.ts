/**
 * The model of `npm run bench -- throughput`, in a process of its own so that the service's peak
 * RSS is the service's: the local Messages API fake answering every call after MODEL_DELAY_MS,
 * a support triage for `triage_decision`, a short draft otherwise. Sends `{ url }` once
 * listening, and answers `'count'` with the number of model calls so far.
 */
import { startFakeAnthropic, type Reply } from '../test/fakes/anthropic-server.ts';

const delayMs = Number(process.env.MODEL_DELAY_MS ?? 2000);
const triage = { route: 'support', route_reason: 'a customer asks for help', category: 'technical', priority: 'normal', language: 'en', sentiment: 'neutral', solvable: true, injection_suspected: false, confidence: 0.9, reasoning: 'the customer reports a problem with the product' };
const draft = { reply: 'Hello,\n\nthank you, we are looking into it.\n\nThe support team', cited_article_ids: [], articles_answer_question: false, confidence: 0.6, confidence_reason: 'no article' };

let calls = 0;
const fake = await startFakeAnthropic((body): Reply => {
  calls += 1;
  // The bodies are not needed here; keep this process small over a long burst.
  fake.requests.length = 0;
  const tool = body.tool_choice?.name as string | undefined;
  if (tool === 'triage_decision') return { toolUse: { name: tool, input: triage }, delayMs };
  if (tool === 'draft_reply') return { toolUse: { name: tool, input: draft }, delayMs };
  return { text: draft.reply, delayMs };
});
process.on('message', (m) => {
  if (m === 'count') process.send!({ calls });
});
// Nothing to keep: go at once, whatever keep-alive connections are still open.
process.on('disconnect', () => process.exit(0));
process.send!({ url: fake.url });
