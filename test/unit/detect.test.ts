import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { detectInputKind } from '../../src/intake/detect.ts';
import { sharedData, needsShared } from '../harness/shared.ts';

test('inputs are recognised by content whatever their name', () => {
  assert.equal(detectInputKind(Buffer.from('%PDF-1.7\n...')).kind, 'pdf');
  assert.equal(detectInputKind(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])).kind, 'image');
  assert.equal(detectInputKind(Buffer.from([0xff, 0xd8, 0xff, 0xe0])).kind, 'image');
  assert.equal(detectInputKind(Buffer.from('{"workflow":"support","text":"hi"}')).kind, 'trigger');
  assert.equal(detectInputKind(Buffer.from('Return-Path: <a@b>\r\nReceived: from x\r\n\tby y\r\nSubject: hi\r\n\r\nbody')).kind, 'email');
  assert.equal(detectInputKind(Buffer.from('From a@b Mon Jan 1 00:00:00 2024\nFrom: a@b\nSubject: x\n\nbody')).kind, 'email');
  assert.equal(detectInputKind(Buffer.from('just some notes, not a message')).kind, 'unknown');
});

test('every sample message is recognised as a message', { skip: needsShared }, () => {
  const dir = sharedData('samples');
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.eml'))) {
    assert.equal(detectInputKind(fs.readFileSync(path.join(dir, f))).kind, 'email', f);
  }
});

// The hostile case would not finish with a backtracking pattern; the timeout turns a hang into a failure.
test('XML e-invoices are recognised by their root after any prolog; a hostile run of comments does not hang', { timeout: 10_000 }, () => {
  const ubl = '\uFEFF<?xml version="1.0"?>\n<!-- generated -->\n<?pi x?>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><cbc:ID>1</cbc:ID></Invoice>';
  assert.equal(detectInputKind(Buffer.from(ubl)).kind, 'einvoice');
  assert.equal(detectInputKind(Buffer.from('<rsm:CrossIndustryInvoice xmlns:rsm="x"/>')).kind, 'einvoice');
  assert.notEqual(detectInputKind(Buffer.from('<?xml version="1.0"?><notes/>')).kind, 'einvoice');
  const hostile = Buffer.from(`<?xml version="1.0"?>${'<!-- a -->'.repeat(5000)}<notes/>`);
  assert.notEqual(detectInputKind(hostile).kind, 'einvoice');
});
