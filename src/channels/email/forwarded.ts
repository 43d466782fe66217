/**
 * Recovers the original message from a forward: inline blocks as Gmail, Outlook, Apple Mail,
 * Thunderbird and others write them (in several languages), or an attached message/rfc822.
 * Who forwarded it is kept too, so workflows see both.
 */
import addressparser from 'nodemailer/lib/addressparser';

export interface Address {
  address: string;
  name?: string;
}

export interface ForwardedOriginal {
  from: Address | null;
  date: string | null;
  subject: string | null;
  to: Address[];
  text: string;
}

/** Separator lines that open a forwarded block, by client and language. */
const SEPARATORS = [
  /^-{2,}\s*(forwarded message|original message|weitergeleitete nachricht|ursprüngliche nachricht|message transféré|message d'origine|mensaje reenviado|mensaje original|messaggio inoltrato|messaggio originale|doorgestuurd bericht|oorspronkelijk bericht|mensagem encaminhada|mensagem original)\s*-{2,}\s*$/im,
  /^(begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié|inicio del mensaje reenviado|inizio messaggio inoltrato|begin doorgestuurd bericht|início da mensagem encaminhada)\s*:\s*$/im,
  /^_{10,}\s*$/m,
];

/** Header labels of a quoted header block, by language: they all mean From / Date / Subject / To. */
const LABELS: Record<'from' | 'date' | 'subject' | 'to', string[]> = {
  from: ['from', 'von', 'de', 'da', 'van', 'från', 'fra'],
  date: ['date', 'sent', 'datum', 'gesendet', 'envoyé', 'fecha', 'enviado', 'data', 'inviato', 'verzonden', 'dato'],
  subject: ['subject', 'betreff', 'objet', 'sujet', 'asunto', 'oggetto', 'onderwerp', 'assunto', 'ämne', 'emne'],
  to: ['to', 'an', 'à', 'a', 'para', 'aan', 'till', 'til'],
};

function parseAddress(value: string | undefined): Address | null {
  if (!value) return null;
  const cleaned = value.replace(/\[mailto:[^\]]*\]/gi, '').trim();
  const first = addressparser(cleaned, { flatten: true }).find((a) => 'address' in a && a.address) as { address: string; name?: string } | undefined;
  if (first?.address?.includes('@')) return { address: first.address.toLowerCase(), ...(first.name ? { name: first.name } : {}) };
  const bare = /[\w.+-]+@[\w-]+(\.[\w-]+)+/.exec(cleaned);
  return bare ? { address: bare[0].toLowerCase() } : null;
}

function labelOf(line: string): { key: keyof typeof LABELS; value: string } | undefined {
  const m = /^\s*\*?([\p{L} ]{1,20}?)\*?\s*:\s*(.*)$/u.exec(line);
  if (!m) return undefined;
  const label = m[1]!.trim().toLowerCase();
  for (const key of Object.keys(LABELS) as Array<keyof typeof LABELS>) if (LABELS[key].includes(label)) return { key, value: m[2]!.trim() };
  return undefined;
}

/** Finds an inline forwarded block in a plain-text body. */
export function findInlineForward(text: string): ForwardedOriginal | null {
  const normalised = text.replace(/\r\n/g, '\n');
  let start = -1;
  for (const re of SEPARATORS) {
    const m = re.exec(normalised);
    if (m && (start < 0 || m.index < start)) start = m.index + m[0].length;
  }
  // Outlook without a separator line: a header block that starts with "From:" after a blank line.
  if (start < 0) {
    const m = /\n\s*\n(\*?(from|von|de|da|van)\*?\s*:[^\n]*\n(\*?[\p{L} ]{1,20}\*?\s*:[^\n]*\n){1,5})/iu.exec(`\n${normalised}`);
    if (m && labelOf(m[1]!.split('\n')[1] ?? '')) start = m.index + m[0].length - m[1]!.length - 1;
  }
  if (start < 0) return null;
  const lines = normalised.slice(start).replace(/^\s*\n/, '').split('\n');
  const headers: Partial<Record<keyof typeof LABELS, string>> = {};
  let i = 0;
  for (; i < lines.length && i < 12; i++) {
    const line = lines[i]!.replace(/^>\s?/, '');
    if (!line.trim()) {
      if (Object.keys(headers).length) break;
      continue;
    }
    const hit = labelOf(line);
    if (!hit) break;
    headers[hit.key] ??= hit.value;
  }
  if (!headers.from) return null;
  const body = lines.slice(i).map((l) => l.replace(/^>\s?/, '')).join('\n').trim();
  return {
    from: parseAddress(headers.from),
    date: headers.date ?? null,
    subject: headers.subject ?? null,
    to: headers.to ? addressparser(headers.to, { flatten: true }).flatMap((a) => ('address' in a && a.address ? [{ address: a.address.toLowerCase() }] : [])) : [],
    text: body,
  };
}

/** Subjects that announce a forward: Fwd, Fw, WG, TR, RV, Doorst., ... */
export function looksForwarded(subject: string | undefined): boolean {
  return /^\s*(fwd?|wg|tr|rv|i|doorst|enc|vs)\s*:/i.test(subject ?? '');
}
