/**
 * Recognises what an input is from its content, not its name: test suites call messages .eml,
 * .msg, .raw, .txt or nothing at all.
 */
export type InputKind = 'email' | 'pdf' | 'image' | 'einvoice' | 'trigger' | 'unknown';

const EINVOICE_ROOT = /^<([\w-]+:)?(CrossIndustryInvoice|CrossIndustryDocument|Invoice|CreditNote)[\s>]/;

/**
 * An XML e-invoice (XRechnung, Factur-X/ZUGFeRD CII, UBL), by its root element. The prolog (XML
 * declaration, comments, processing instructions) is skipped by scanning, not by a regex that a
 * hostile run of comments could send into exponential backtracking.
 */
function isEInvoiceXml(bytes: Buffer): boolean {
  const text = bytes.subarray(0, 65536).toString('utf8');
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('<?', i)) i = text.indexOf('?>', i);
    else if (text.startsWith('<!--', i)) i = text.indexOf('-->', i);
    else return EINVOICE_ROOT.test(text.slice(i, i + 64));
    if (i < 0) return false;
    i += text[i] === '?' ? 2 : 3;
  }
}

const HEADER = /^(from|to|subject|date|message-id|received|return-path|mime-version|content-type|delivered-to|reply-to|x-[\w-]+|dkim-signature|arc-[\w-]+|authentication-results|cc|sender|references|in-reply-to)[ \t]*:/im;

export function detectInputKind(bytes: Buffer): { kind: InputKind; contentType: string } {
  const head = bytes.subarray(0, 16);
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return { kind: 'pdf', contentType: 'application/pdf' };
  if (head[0] === 0x89 && head.subarray(1, 4).toString('latin1') === 'PNG') return { kind: 'image', contentType: 'image/png' };
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { kind: 'image', contentType: 'image/jpeg' };
  if (head.subarray(0, 4).toString('latin1') === 'II*\0' || head.subarray(0, 4).toString('latin1') === 'MM\0*') return { kind: 'image', contentType: 'image/tiff' };
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return { kind: 'image', contentType: 'image/webp' };
  if (isEInvoiceXml(bytes)) return { kind: 'einvoice', contentType: 'application/xml' };
  const text = bytes.subarray(0, 8192).toString('latin1').replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      JSON.parse(bytes.toString('utf8'));
      return { kind: 'trigger', contentType: 'application/json' };
    } catch {
      /* not JSON: fall through */
    }
  }
  // A message starts with header lines; mbox "From " separators and leading blank lines are tolerated.
  const firstBlock = trimmed.replace(/^From [^\n]*\n/, '').split(/\r?\n\r?\n/)[0] ?? '';
  const lines = firstBlock.split(/\r?\n/).filter((l) => l && !/^[ \t]/.test(l));
  const fieldLine = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
  if (lines.length && HEADER.test(lines[0]!) && lines.every((l) => fieldLine.test(l))) return { kind: 'email', contentType: 'message/rfc822' };
  if (lines.some((l) => HEADER.test(l)) && lines.filter((l) => fieldLine.test(l)).length >= Math.max(1, lines.length * 0.6)) {
    return { kind: 'email', contentType: 'message/rfc822' };
  }
  return { kind: 'unknown', contentType: 'application/octet-stream' };
}
