/**
 * A local model (OpenAI-compatible server, as Ollama or vLLM serve) through the whole service:
 * `mailroom process` with LLM_BASE_URL set, the real `openai` SDK against a local
 * chat/completions server. Triage, drafting and the vision reading of a scan go to the local
 * model, and every decision says so.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { mailroomAsync } from '../harness/cli.ts';
import { repoRoot, sharedData, needsShared } from '../harness/shared.ts';
import { startFakeOpenAI } from '../fakes/openai-server.ts';


describe('a local model (OpenAI-compatible) runs the workflows end to end', { skip: needsShared }, () => {
  let db: TestDatabase;
  let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
  const results = new Map<string, any>();

  before(async () => {
    db = await testDatabase();
    fake = await startFakeOpenAI((body) => {
      const tool = body.tool_choice?.function?.name as string | undefined;
      const item = JSON.stringify(body.messages.filter((m: any) => m.role === 'user'));
      if (tool === 'triage_decision') {
        const invoice = /\.png|\.pdf|invoice #|invoice [A-Z]*\d/i.test(item);
        const args = invoice
          ? { route: 'invoice', route_reason: 'a bill with a document', category: 'billing', priority: 'normal', language: 'en', sentiment: 'neutral', solvable: false, injection_suspected: false, confidence: 0.9, reasoning: 'invoice attached' }
          : { route: 'support', route_reason: 'a customer problem', category: 'technical', priority: 'urgent', language: 'en', sentiment: 'negative', solvable: true, injection_suspected: false, confidence: 0.85, reasoning: 'outage for all users' };
        return { toolCall: { name: 'triage_decision', arguments: JSON.stringify(args) } };
      }
      if (tool === 'invoice_fields') {
        return { toolCall: { name: 'invoice_fields', arguments: JSON.stringify({ vendor: 'Pinecrest Consulting LLC', invoice_number: 'F437881', invoice_date: '2026-11-11', due_date: '2026-12-11', po_number: 'PO-23016', currency: 'USD', subtotal: 10913.74, tax: 791.25, total: 11704.99, iban: null }) } };
      }
      return { text: 'Sorry for the trouble. Please retry the request with the header described in "API returns 5xx errors"; we are watching it.' };
    });
    const cli = (...args: string[]) =>
      mailroomAsync(args, { DATABASE_URL: db.url, LOG_LEVEL: 'warn', ANTHROPIC_API_KEY: '', LLM_PROVIDER: 'openai', LLM_BASE_URL: fake.url, LLM_MODEL_FAST: 'qwen3:8b', LLM_MODEL_STRONG: 'qwen2.5vl:7b' });
    assert.equal((await cli('data', 'import', 'kb', path.join(repoRoot, 'examples', 'data', 'kb'))).status, 0);
    const r = await cli('process', '--json', sharedData('samples', '11-support-technical.eml'), sharedData('samples', '03-invoice-scan.eml'));
    assert.equal(r.status, 0, r.stderr);
    for (const line of r.stdout.trim().split('\n')) {
      const o = JSON.parse(line);
      results.set(path.basename(o.input), o);
    }
  });
  after(async () => {
    await db.close();
    await fake.close();
  });

  test('a support request is triaged and answered by the local model, and its decisions say so', () => {
    const o = results.get('11-support-technical.eml');
    assert.equal(o.workflow, 'support');
    assert.equal(o.classification.priority, 'urgent');
    assert.match(o.draft, /retry the request/);
    assert.ok(o.decisions.filter((d: any) => d.action === 'triage' || d.action === 'draft.reply').every((d: any) => d.provider === 'openai'));
  });

  test('a scanned invoice is read by OCR and by the local vision model, which agree', () => {
    const o = results.get('03-invoice-scan.eml');
    assert.equal(o.workflow, 'invoice');
    assert.equal(o.extracted.total, 11704.99);
    assert.equal(o.needs_review, false, 'OCR and the vision model agree on the amounts');
    const read = o.decisions.find((d: any) => d.action === 'invoice.read.vision');
    assert.equal(read?.provider, 'openai');
    const vision = fake.requests.find((b) => b.tool_choice?.function?.name === 'invoice_fields');
    assert.equal(vision.model, 'qwen2.5vl:7b', 'the strong model reads images');
    assert.match(vision.messages[1].content[0].image_url.url, /^data:image\/(png|jpeg);base64,/);
  });
});
