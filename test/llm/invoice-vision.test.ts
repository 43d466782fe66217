/** The vision path: page images to Claude through the real SDK, cross-checked with OCR. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { extractDocument } from '../../src/documents/extract.ts';
import { createOcrPool } from '../../src/documents/ocr-pool.ts';
import { createAnthropicInvoiceVision } from '../../src/llm/anthropic/invoice-vision.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.ts';
import { needsShared, sharedData } from '../harness/shared.ts';

const truth = { vendor: 'Pinecrest Consulting LLC', invoice_number: 'F437881', invoice_date: '2026-11-11', due_date: '2026-12-11', po_number: 'PO-23016', currency: 'USD', subtotal: 10913.74, tax: 791.25, total: 11704.99, iban: null };

describe('vision extraction path', { skip: needsShared }, () => {
  let fake: FakeAnthropic;
  let total = truth.total;
  const ocr = createOcrPool({ workers: 1 });
  before(async () => {
    fake = await startFakeAnthropic(() => ({ toolUse: { name: 'invoice_fields', input: { ...truth, total } } }));
  });
  after(async () => {
    await ocr.close();
    await fake.close();
  });
  const scan = async () => (await simpleParser(fs.readFileSync(sharedData('samples', '03-invoice-scan.eml')))).attachments[0]!.content;
  const vision = () => createAnthropicInvoiceVision({ config: loadConfig({ ANTHROPIC_API_KEY: 'sk', ANTHROPIC_BASE_URL: fake.url }), log: pino({ level: 'silent' }) });
  const textPdf = async () => (await simpleParser(fs.readFileSync(sharedData('samples', '04-invoice-forward.eml')))).attachments[0]!.content;

  test('a scan is read by OCR and by the vision model; agreeing amounts are confirmed by both', async () => {
    total = truth.total;
    const r = await extractDocument(await scan(), 'scan.png', { ocr, vision: vision() });
    assert.equal(r.paths.vision.status, 'ok');
    assert.deepEqual(r.detail!.total.sources, ['vision', 'ocr']);
    assert.equal(r.needs_review, false);
    const sent = fake.requests.at(-1)!.body;
    assert.equal(sent.messages[0].content[0].type, 'image');
    assert.match(sent.messages[0].content[0].source.media_type, /^image\/(png|jpeg)$/);
    assert.deepEqual(sent.tool_choice, { type: 'tool', name: 'invoice_fields' });
  });

  test('when the vision model disagrees on the total, the document goes to review with both values', async () => {
    total = 11794.99;
    const r = await extractDocument(await scan(), 'scan.png', { ocr, vision: vision() });
    assert.equal(r.needs_review, true);
    assert.deepEqual(r.review.find((x) => x.field === 'total')?.values, [{ source: 'vision', value: 11794.99 }, { source: 'ocr', value: 11704.99 }]);
  });

  test('a PDF goes to Claude as a document; with the text path on, the text layer is read too, each call with its tokens and cost', async () => {
    const before = fake.requests.length;
    const pdfTruth = { vendor: null, invoice_number: 'INV-9078', invoice_date: null, due_date: null, po_number: null, currency: 'GBP', subtotal: null, tax: null, total: 5695.55, iban: 'GB32NWBK54907401061246' };
    total = pdfTruth.total;
    const r = await extractDocument(await textPdf(), 'INV-9078.pdf', { ocr, vision: vision(), textModel: true });
    const sent = fake.requests.slice(before).map((q) => q.body);
    assert.equal(sent.length, 2);
    assert.deepEqual([sent[0].messages[0].content[0].type, sent[0].messages[0].content[0].source.media_type], ['document', 'application/pdf']);
    assert.match(sent[1].messages[0].content[0].text, /^<untrusted_item kind="document_text">[\s\S]*INV-9078/);
    assert.equal(sent[0].tools[0].cache_control, undefined, 'no breakpoint: the stable part is below the minimum cacheable length');
    assert.deepEqual([r.paths.vision.status, r.paths.text_model.status], ['ok', 'ok']);
    assert.deepEqual(r.model_calls.map((c) => c.path), ['vision', 'text_model']);
    for (const c of r.model_calls) {
      assert.equal(c.provider, 'anthropic');
      assert.ok(c.inputTokens > 0 && c.costUsd > 0, 'tokens and cost of each call');
    }
    assert.ok(r.detail!.total.sources.includes('text_model'));
  });

  test('a phone photo is sent to the vision model resized to a 1568 px long edge, as JPEG', async () => {
    const sharp = (await import('sharp')).default;
    const photo = await sharp({ create: { width: 3000, height: 4000, channels: 3, background: '#f4f1ea' } }).jpeg().toBuffer();
    const before = fake.requests.length;
    await vision().fromImages([photo]).catch(() => undefined);
    const image = fake.requests.slice(before)[0]!.body.messages[0].content[0];
    assert.equal(image.source.media_type, 'image/jpeg');
    const meta = await sharp(Buffer.from(image.source.data, 'base64')).metadata();
    assert.deepEqual([meta.width, meta.height], [1176, 1568]);
  });
});
