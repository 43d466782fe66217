/**
 * Parsing, forwarded-mail recovery, sender authentication and reply building: pure functions,
 * no servers. The corpus test runs every message listed in ../shared/data/eml/MESSAGES.txt.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { dkimSign } from 'mailauth';
import { authenticateSender, parseAuthenticationResults } from '../../src/channels/email/auth.ts';
import { findInlineForward, isForward } from '../../src/channels/email/forwarded.ts';
import { closeParsers, parseEmail } from '../../src/channels/email/parse.ts';
import { buildReply, replySubject } from '../../src/channels/email/reply.ts';
import { InputError } from '../../src/errors.ts';
import { needsShared, sharedData } from '../harness/shared.ts';

after(() => closeParsers());

const forward = (body: string, subject = 'Fwd: Invoice 42', extraHeaders = '') =>
  Buffer.from(`From: Jane Doe <jane@mailroom.example>\r\nTo: ap@mailroom.example\r\nSubject: ${subject}\r\nMessage-ID: <f-${crypto.randomUUID()}@mailroom.example>\r\nDate: Mon, 23 Nov 2026 07:18:00 +0000\r\n${extraHeaders}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body.replace(/\n/g, '\r\n')}`);

describe('parseEmail on real-world corpora', { skip: needsShared }, () => {
  test('every message in eml/MESSAGES.txt parses or is refused with an InputError, none hangs', async () => {
    const list = fs.readFileSync(sharedData('eml', 'MESSAGES.txt'), 'utf8').trim().split('\n');
    assert.ok(list.length > 500);
    let parsed = 0;
    const refused: string[] = [];
    for (const rel of list) {
      const t0 = Date.now();
      try {
        const p = await parseEmail(fs.readFileSync(sharedData('eml', rel)), { timeoutMs: 10_000 });
        assert.equal(typeof p.text, 'string');
        for (const a of p.attachments) assert.equal(a.sha256, crypto.createHash('sha256').update(a.content).digest('hex'));
        parsed++;
      } catch (err) {
        assert.ok(err instanceof InputError, `${rel}: ${(err as Error).name} ${(err as Error).message}`);
        refused.push(`${rel}: ${err.message}`);
      }
      assert.ok(Date.now() - t0 < 11_000, `${rel} took too long`);
    }
    assert.ok(parsed >= list.length - 10, `parsed ${parsed} of ${list.length}; refused:\n${refused.join('\n')}`);
  });

  test('the labelled forwarded samples recover the original sender and keep the forwarder', async () => {
    for (const name of ['04-invoice-forward', '08-invoice-forward']) {
      const expected = JSON.parse(fs.readFileSync(sharedData('samples', `${name}.expected.json`), 'utf8')) as { original_sender: string };
      const p = await parseEmail(fs.readFileSync(sharedData('samples', `${name}.eml`)));
      assert.equal(p.forwarded?.original.from?.address, expected.original_sender, name);
      assert.equal(p.forwarded?.by?.address, 'jane@mailroom.example');
      assert.equal(p.forwarded?.method, 'inline');
      assert.match(p.forwarded!.original.subject ?? '', /^Invoice /);
      assert.equal(p.attachments.filter((a) => a.contentType === 'application/pdf').length, 1);
    }
  });

  test('an endless enclosure is refused by the nesting limit, with the reason', async () => {
    await assert.rejects(parseEmail(fs.readFileSync(sharedData('eml', 'flanker', 'enclosed-endless.eml'))), (err: Error) => err instanceof InputError && /MIME/.test(err.message));
  });
});

describe('limits', () => {
  test('over the size limit, too many attachments, too deep: InputError naming the limit', async () => {
    await assert.rejects(parseEmail(forward('x'.repeat(5000)), { maxBytes: 1000 }), /over the limit of 1000 bytes/);
    const parts = Array.from({ length: 5 }, (_, i) => `--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="a${i}.txt"\r\n\r\nhello ${i}\r\n`).join('');
    const many = Buffer.from(`From: a@b.example\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`);
    await assert.rejects(parseEmail(many, { maxAttachments: 3 }), /5 attachments, over the limit of 3/);
    assert.equal((await parseEmail(many)).attachments.length, 5);
    await assert.rejects(parseEmail(many, { maxAttachmentBytes: 4 }), /over the limit of 4 bytes/);
    let deep = 'body\r\n';
    for (let i = 10; i > 0; i--) deep = `Content-Type: multipart/mixed; boundary="d${i}"\r\n\r\n--d${i}\r\n${deep}--d${i}--\r\n`;
    await assert.rejects(parseEmail(Buffer.from(`From: a@b.example\r\nSubject: deep\r\n${deep}`), { maxNestingDepth: 5 }), /nesting deeper than 5/);
    await assert.rejects(parseEmail(Buffer.alloc(0)), /empty message/);
  });

  test('a parse that takes too long is stopped by the time limit', async () => {
    const big = Buffer.from(`From: a@b.example\r\nSubject: big\r\nContent-Type: text/html\r\n\r\n${'<div><p>x</p></div>'.repeat(300_000)}`);
    await assert.rejects(parseEmail(big, { timeoutMs: 5 }), /longer than 5 ms/);
    assert.equal((await parseEmail(forward('still working afterwards'))).text, 'still working afterwards', 'the pool recovers');
  });
});

describe('content', () => {
  test('HTML-only mail becomes readable text; inline images, calendar parts and headers of interest are kept', async () => {
    const raw = [
      'From: "Müller, Jürgen" <j@example.de>', 'To: ap@example.com', 'Subject: =?iso-8859-1?Q?R=E9union?=', 'Auto-Submitted: auto-replied', 'List-Id: <billing.example.com>',
      'Content-Type: multipart/mixed; boundary="m"', '', '--m', 'Content-Type: multipart/related; boundary="r"', '', '--r', 'Content-Type: text/html; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable', '',
      '<html><body><p>Gr=FC=DFe,</p><p>see <b>attached</b> <img src=3D"cid:logo@x"></p></body></html>', '--r', 'Content-Type: image/png', 'Content-ID: <logo@x>', 'Content-Disposition: inline', 'Content-Transfer-Encoding: base64', '', 'iVBORw0KGgo=', '--r--',
      '--m', 'Content-Type: text/calendar; method=REQUEST; charset=utf-8', '', 'BEGIN:VCALENDAR', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'SUMMARY:Review', 'END:VEVENT', 'END:VCALENDAR', '--m--', '',
    ].join('\r\n');
    const p = await parseEmail(Buffer.from(raw));
    assert.equal(p.subject, 'Réunion');
    assert.equal(p.from?.name, 'Müller, Jürgen');
    assert.match(p.text, /Grüße,/);
    assert.match(p.text, /see attached/i);
    assert.equal(p.textFromHtml, true);
    const img = p.attachments.find((a) => a.contentType === 'image/png')!;
    assert.equal(img.related, true);
    assert.equal(img.contentId, 'logo@x');
    assert.equal(p.calendar[0]?.method, 'REQUEST');
    assert.equal(p.headers['auto-submitted'], 'auto-replied');
    assert.equal(p.headers['list-id'], '<billing.example.com>');
  });

  test('an attached message/rfc822 is recovered as the original, with its attachments', async () => {
    const inner = 'From: Billing <billing@vendor.example>\r\nTo: jane@mailroom.example\r\nSubject: Invoice 77\r\nDate: Fri, 20 Nov 2026 09:12:00 +0000\r\nContent-Type: multipart/mixed; boundary="i"\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\nPlease pay invoice 77.\r\n--i\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="77.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--i--\r\n';
    const outer = `From: Jane <jane@mailroom.example>\r\nTo: ap@mailroom.example\r\nSubject: Fwd: Invoice 77\r\nContent-Type: multipart/mixed; boundary="o"\r\n\r\n--o\r\nContent-Type: text/plain\r\n\r\nFYI\r\n--o\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="Invoice 77.eml"\r\n\r\n${inner}\r\n--o--\r\n`;
    const p = await parseEmail(Buffer.from(outer));
    assert.equal(p.forwarded?.method, 'attachment');
    assert.equal(p.forwarded?.original.from?.address, 'billing@vendor.example');
    assert.equal(p.forwarded?.original.subject, 'Invoice 77');
    assert.match(p.forwarded!.original.text, /Please pay invoice 77/);
    assert.equal(p.forwarded?.by?.address, 'jane@mailroom.example');
    assert.ok(p.attachments.some((a) => a.filename === '77.pdf' && a.fromForwarded));
  });
});

describe('inline forwards from real client formats', () => {
  const cases: Array<[string, string, string?]> = [
    ['Gmail (en)', 'FYI\n\n---------- Forwarded message ---------\nFrom: Billing <billing@vendor.example>\nDate: Fri, 20 Nov 2026 at 09:12\nSubject: Invoice 42\nTo: Jane Doe <jane@mailroom.example>\n\nPlease find attached invoice 42.\n'],
    ['Gmail (de)', 'Bitte bezahlen\n\n---------- Weitergeleitete Nachricht ---------\nVon: Billing <billing@vendor.example>\nDate: Fr., 20. Nov. 2026 um 09:12 Uhr\nSubject: Rechnung 42\nTo: <jane@mailroom.example>\n\nAnbei die Rechnung.\n', 'WG: Rechnung 42'],
    ['Gmail (fr)', '---------- Message transféré ---------\nDe : Billing <billing@vendor.example>\nDate: ven. 20 nov. 2026 à 09:12\nSubject: Facture 42\nTo: <jane@mailroom.example>\n\nCi-joint la facture.\n', 'TR: Facture 42'],
    ['Outlook desktop (en)', 'Please process.\n\n-----Original Message-----\nFrom: Billing [mailto:billing@vendor.example]\nSent: Friday, November 20, 2026 9:12 AM\nTo: Jane Doe\nSubject: Invoice 42\n\nInvoice attached.\n', 'FW: Invoice 42'],
    ['Outlook desktop (de)', '-----Ursprüngliche Nachricht-----\nVon: Billing <billing@vendor.example>\nGesendet: Freitag, 20. November 2026 09:12\nAn: Jane Doe <jane@mailroom.example>\nBetreff: Rechnung 42\n\nAnbei.\n', 'WG: Rechnung 42'],
    ['Outlook desktop (es)', '-----Mensaje original-----\nDe: Billing <billing@vendor.example>\nEnviado el: viernes, 20 de noviembre de 2026 9:12\nPara: Jane\nAsunto: Factura 42\n\nAdjunto.\n', 'RV: Factura 42'],
    ['Outlook web (en, no separator text)', 'see below\n\n________________________________\nFrom: Billing <billing@vendor.example>\nSent: Friday, November 20, 2026 09:12\nTo: Jane Doe <jane@mailroom.example>\nSubject: Invoice 42\n\nInvoice attached.\n', 'Fw: Invoice 42'],
    ['Outlook (bare header block, nl)', 'Graag betalen.\n\nVan: Billing <billing@vendor.example>\nVerzonden: vrijdag 20 november 2026 09:12\nAan: Jane <jane@mailroom.example>\nOnderwerp: Factuur 42\n\nIn de bijlage.\n', 'Doorst: Factuur 42'],
    ['Apple Mail (en)', 'FYI\n\nBegin forwarded message:\n\nFrom: Billing <billing@vendor.example>\nSubject: Invoice 42\nDate: 20 November 2026 at 09:12:00 GMT\nTo: Jane Doe <jane@mailroom.example>\n\nInvoice attached.\n'],
    ['Apple Mail (fr)', 'Début du message réexpédié :\n\nDe: Billing <billing@vendor.example>\nObjet: Facture 42\nDate: 20 novembre 2026 à 09:12:00 UTC+1\nÀ: Jane <jane@mailroom.example>\n\nCi-joint.\n', 'Fwd: Facture 42'],
    ['Apple Mail (it)', 'Inizio messaggio inoltrato:\n\nDa: Billing <billing@vendor.example>\nOggetto: Fattura 42\nData: 20 novembre 2026 09:12:00 CET\nA: Jane <jane@mailroom.example>\n\nIn allegato.\n', 'I: Fattura 42'],
    ['Thunderbird (en)', '\n\n-------- Forwarded Message --------\nSubject: \tInvoice 42\nDate: \tFri, 20 Nov 2026 09:12:00 +0000\nFrom: \tBilling <billing@vendor.example>\nTo: \tjane@mailroom.example\n\nInvoice attached.\n'],
    ['Thunderbird (pt)', '-------- Mensagem encaminhada --------\nAssunto: \tFatura 42\nData: \tFri, 20 Nov 2026 09:12:00 +0000\nDe: \tBilling <billing@vendor.example>\nPara: \tjane@mailroom.example\n\nEm anexo.\n', 'Enc: Fatura 42'],
    ['Thunderbird (it, "Mittente")', '-------- Messaggio Inoltrato --------\nOggetto: \tFattura 42\nData: \tFri, 20 Nov 2026 09:12:00 +0000\nMittente: \tBilling <billing@vendor.example>\nA: \tjane@mailroom.example\n\nIn allegato.\n', 'I: Fattura 42'],
    ['quoted forward ("> ")', 'see below\n\n---------- Forwarded message ---------\n> From: Billing <billing@vendor.example>\n> Date: Fri, 20 Nov 2026\n> Subject: Invoice 42\n>\n> Invoice attached.\n'],
  ];
  for (const [client, body, subject] of cases) {
    test(`${client}: original sender, subject and body recovered; forwarder kept`, async () => {
      const p = await parseEmail(forward(body, subject));
      assert.equal(p.forwarded?.method, 'inline', `${client}: not detected`);
      assert.equal(p.forwarded?.original.from?.address, 'billing@vendor.example');
      assert.match(p.forwarded?.original.subject ?? '', /42/);
      assert.ok(p.forwarded?.original.date);
      assert.ok(p.forwarded!.original.text.length > 0);
      assert.doesNotMatch(p.forwarded!.original.text, /^(From|Von|De|Da|Van|Subject|Mittente)\s*:/m);
      assert.equal(p.forwarded?.by?.address, 'jane@mailroom.example');
    });
  }

  test('a reply quoting the original (Outlook "Original Message" under "RE:") is not a forward', async () => {
    const p = await parseEmail(forward('Thanks, paid.\n\n-----Original Message-----\nFrom: Billing <billing@vendor.example>\nSent: Friday\nSubject: Invoice 42\n\nPlease pay.\n', 'RE: Invoice 42'));
    assert.equal(p.forwarded, null);
    const block = findInlineForward('x\n-----Original Message-----\nFrom: a@b.example\nSubject: y\n\nz');
    assert.equal(block && isForward(block, { subject: 'AW: y', from: { address: 'me@x.example' } }), false);
  });
});

describe('sender authentication', () => {
  const withAR = (ar: string) => Buffer.from(`${ar}From: Billing <billing@vendor.example>\r\nTo: ap@example.com\r\nSubject: x\r\n\r\nbody\r\n`);

  test('Authentication-Results from the trusted receiving server are read; others are ignored', async () => {
    const pass = withAR('Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=bounce@vendor.example; dkim=pass header.d=vendor.example header.s=s1; dmarc=pass (p=reject) header.from=vendor.example\r\n');
    const r = await authenticateSender(pass, { trustedAuthservId: 'mx.example.com' });
    assert.deepEqual({ spf: r.spf, dkim: r.dkim, dmarc: r.dmarc, aligned: r.aligned, from_domain: r.from_domain, method: r.method }, { spf: 'pass', dkim: 'pass', dmarc: 'pass', aligned: true, from_domain: 'vendor.example', method: 'header' });
    // A sender-written header claiming a pass, from an authserv-id we do not trust:
    const forged = withAR('Authentication-Results: mx.example.com; dmarc=fail header.from=vendor.example\r\nAuthentication-Results: evil.example; spf=pass; dkim=pass; dmarc=pass\r\n');
    const f = await authenticateSender(forged, { trustedAuthservId: 'mx.example.com' });
    assert.equal(f.dmarc, 'fail');
    assert.equal(f.aligned, false);
    const untrusted = await authenticateSender(forged, {});
    assert.equal(untrusted.method, 'none');
    assert.equal(untrusted.aligned, null);
    const parsed = await parseEmail(pass, { trustedAuthservId: 'mx.example.com' });
    assert.equal(parsed.auth.aligned, true);
    assert.equal(parseAuthenticationResults('mx; dkim=fail (bad sig) header.d=x.example').results[0]!.result, 'fail');
  });

  test('DKIM is verified by mailauth with an injected resolver: a signed message passes, a tampered one fails', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const msg = Buffer.from('From: Billing <billing@vendor.example>\r\nTo: ap@example.com\r\nSubject: Invoice 9\r\nDate: Fri, 20 Nov 2026 09:12:00 +0000\r\nMessage-ID: <d1@vendor.example>\r\n\r\nPay 100 EUR to DE89 3704 0044 0532 0130 00.\r\n');
    const signed = await dkimSign(msg, { signingDomain: 'vendor.example', selector: 's1', privateKey: pem, signatureData: [{ signingDomain: 'vendor.example', selector: 's1', privateKey: pem }] });
    const bytes = Buffer.concat([Buffer.from(signed.signatures), msg]);
    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && name === 's1._domainkey.vendor.example') return [[`v=DKIM1; k=rsa; p=${pub}`]];
      if (type === 'TXT' && name === '_dmarc.vendor.example') return [['v=DMARC1; p=reject']];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const ok = await authenticateSender(bytes, { resolver });
    assert.equal(ok.method, 'verified');
    assert.equal(ok.dkim, 'pass');
    assert.equal(ok.dmarc, 'pass');
    assert.equal(ok.aligned, true);
    const tampered = Buffer.from(bytes.toString().replace('100 EUR', '9000 EUR'));
    const bad = await authenticateSender(tampered, { resolver });
    assert.notEqual(bad.dkim, 'pass');
    assert.equal(bad.aligned, false);
  });
});

describe('replies', () => {
  test('Re: once whatever prefixes other clients used', () => {
    assert.equal(replySubject('Invoice 42'), 'Re: Invoice 42');
    assert.equal(replySubject('Re: RE: AW: SV: Antw: Invoice 42'), 'Re: Invoice 42');
    assert.equal(replySubject('[billing] Re: Invoice'), 'Re: [billing] Invoice');
    assert.equal(replySubject(''), 'Re: (no subject)');
  });

  test('buildReply threads with In-Reply-To and References, quotes the original, answers Reply-To', async () => {
    const original = await parseEmail(Buffer.from('From: Ann <ann@customer.example>\r\nReply-To: support@customer.example\r\nTo: help@mailroom.example\r\nSubject: AW: Login broken\r\nMessage-ID: <m2@customer.example>\r\nReferences: <m0@customer.example> <m1@mailroom.example>\r\nDate: Fri, 20 Nov 2026 09:12:00 +0000\r\n\r\nStill broken.\r\nSecond line.\r\n'));
    const reply = buildReply(original, { from: 'Support <help@mailroom.example>', body: 'We fixed it.' });
    assert.equal(reply.to, 'support@customer.example');
    assert.equal(reply.subject, 'Re: Login broken');
    assert.equal(reply.inReplyTo, '<m2@customer.example>');
    assert.deepEqual(reply.references, ['<m0@customer.example>', '<m1@mailroom.example>', '<m2@customer.example>']);
    assert.match(reply.text, /^We fixed it\.\n\nOn .*Ann <ann@customer\.example> wrote:\n> Still broken\.\n> Second line\./);
  });
});
