/**
 * Forwarded-mail recovery: finds the original message inside a forward, so workflows see who
 * really sent an invoice (the original sender) as well as who forwarded it.
 *
 * Inline forwards are recognised by the separator each client writes, in en/de/fr/es/it/nl/pt
 * (and a few more), followed by a block of quoted header lines whose labels are localised too:
 *
 *   Gmail         ---------- Forwarded message ---------  / Weitergeleitete Nachricht / Message transféré …
 *                 From: / Date: / Subject: / To:  (Gmail keeps English labels in some locales)
 *   Outlook       -----Original Message----- / -----Ursprüngliche Nachricht----- / -----Message d'origine-----
 *                 From: … Sent: … To: … Subject:  (Von/Gesendet/An/Betreff, De/Envoyé/À/Objet, …)
 *   Outlook web   ________________________________ then From: … Sent: …  (or the header block alone)
 *   Apple Mail    Begin forwarded message: / Anfang der weitergeleiteten Nachricht: / Début du message réexpédié :
 *   Thunderbird   -------- Forwarded Message -------- then Subject: / Date: / From: / To: (tab-aligned)
 *
 * Attached forwards (message/rfc822, or an .eml attachment) are handled by parse.ts, which
 * parses the attached message with the same limits and reports `method: 'attachment'`.
 */
import addressparser from 'nodemailer/lib/addressparser';

export interface Address {
  address: string;
  name?: string;
}

export interface ForwardedOriginal {
  from: Address | null;
  /** The date as written in the forward (clients localise it), and as ISO when it could be read. */
  date: string | null;
  dateIso: string | null;
  subject: string | null;
  to: Address[];
  text: string;
}

export interface InlineForward extends ForwardedOriginal {
  /** Which separator announced it: 'forward' (an explicit forward) or 'original' (Outlook's block, used for replies too). */
  marker: 'forward' | 'original' | 'headers';
}

const FORWARD_PHRASES = [
  'forwarded message', 'weitergeleitete nachricht', 'message transféré', 'message transfere', 'mensaje reenviado',
  'messaggio inoltrato', 'doorgestuurd bericht', 'doorgestuurde bericht', 'mensagem encaminhada', 'mensagem reencaminhada',
  'vidarebefordrat meddelande', 'videresendt meddelelse', 'videresendt melding', 'välitetty viesti', 'przekazana wiadomość',
];
const ORIGINAL_PHRASES = [
  'original message', 'ursprüngliche nachricht', "message d'origine", 'message d’origine', 'mensaje original', 'messaggio originale',
  'oorspronkelijk bericht', 'mensagem original', 'originalmeddelande', 'oprindelig meddelelse', 'opprinnelig melding', 'alkuperäinen viesti',
];
const BEGIN_PHRASES = [
  'begin forwarded message', 'anfang der weitergeleiteten nachricht', 'début du message réexpédié', 'début du message transféré',
  'inicio del mensaje reenviado', 'comienzo del mensaje reenviado', 'inizio messaggio inoltrato', 'messaggio inoltrato',
  'begin doorgestuurd bericht', 'início da mensagem encaminhada', 'início da mensagem reencaminhada', 'inicio da mensagem reencaminhada',
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/’|'/g, "['’]");
const SEPARATORS: Array<{ re: RegExp; marker: InlineForward['marker'] }> = [
  { re: new RegExp(`^[ \\t>]*-{2,}\\s*(?:${FORWARD_PHRASES.map(escape).join('|')})\\s*-{2,}[ \\t]*$`, 'imu'), marker: 'forward' },
  { re: new RegExp(`^[ \\t>]*(?:${BEGIN_PHRASES.map(escape).join('|')})\\s*:[ \\t]*$`, 'imu'), marker: 'forward' },
  { re: new RegExp(`^[ \\t>]*-{2,}\\s*(?:${ORIGINAL_PHRASES.map(escape).join('|')})\\s*-{2,}[ \\t]*$`, 'imu'), marker: 'original' },
  // Outlook on the web / new Outlook: a rule of underscores, then the header block.
  { re: /^[ \t>]*_{20,}[ \t]*$/mu, marker: 'original' },
];

/** Quoted header labels, by meaning, across clients and languages. */
const LABELS: Record<'from' | 'date' | 'subject' | 'to' | 'cc', string[]> = {
  from: ['from', 'von', 'de', 'da', 'van', 'från', 'fra', 'mittente', 'remitente', 'expéditeur', 'afzender', 'lähettäjä', 'od'],
  date: ['date', 'sent', 'datum', 'gesendet', 'envoyé', 'fecha', 'enviado', 'enviado el', 'enviada em', 'enviado em', 'data', 'inviato', 'verzonden', 'dato', 'skickat', 'sendt', 'päivämäärä', 'lähetetty', 'wysłano', 'date de création'],
  subject: ['subject', 'betreff', 'objet', 'sujet', 'asunto', 'oggetto', 'onderwerp', 'assunto', 'ämne', 'emne', 'aihe', 'temat'],
  to: ['to', 'an', 'à', 'a', 'pour', 'para', 'aan', 'till', 'til', 'vastaanottaja', 'do'],
  cc: ['cc', 'kopie', 'copie', 'cco', 'kopia'],
};
const LABEL_INDEX = new Map<string, keyof typeof LABELS>();
for (const [k, list] of Object.entries(LABELS) as Array<[keyof typeof LABELS, string[]]>) for (const l of list) LABEL_INDEX.set(l, k);

export function parseAddress(value: string | undefined | null): Address | null {
  if (!value) return null;
  // Outlook writes "Name [mailto:a@b]", HTML-to-text may write "a@b [mailto:a@b]" or "<a@b> <mailto:a@b>".
  const cleaned = value.replace(/\[mailto:([^\]]*)\]/gi, '<$1>').replace(/<mailto:([^>]*)>/gi, '').replace(/\*+/g, '').trim();
  try {
    const list = addressparser(cleaned, { flatten: true }) as Array<{ address?: string; name?: string }>;
    const first = list.find((a) => a.address && a.address.includes('@'));
    if (first?.address) {
      const name = first.name?.replace(/^["']|["']$/g, '').trim();
      return { address: first.address.toLowerCase(), ...(name && name.toLowerCase() !== first.address.toLowerCase() ? { name } : {}) };
    }
  } catch {
    /* fall through to the bare pattern */
  }
  const bare = /[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+/.exec(cleaned);
  return bare ? { address: bare[0].toLowerCase() } : null;
}

function parseAddressList(value: string | undefined): Address[] {
  if (!value) return [];
  try {
    return (addressparser(value.replace(/\[mailto:[^\]]*\]/gi, ''), { flatten: true }) as Array<{ address?: string; name?: string }>)
      .filter((a) => a.address && a.address.includes('@'))
      .map((a) => ({ address: a.address!.toLowerCase(), ...(a.name ? { name: a.name } : {}) }));
  } catch {
    return [];
  }
}

function labelOf(line: string): { key: keyof typeof LABELS; value: string } | undefined {
  // "From: x", "*From:* x" (Outlook plain text of bold labels), "De : x" (French spacing), "Subject:\tx" (Thunderbird).
  const m = /^\s*\*?([\p{L}][\p{L} .]{0,24}?)\*?\s*:\*?[ \t]*(.*)$/u.exec(line);
  if (!m) return undefined;
  const key = LABEL_INDEX.get(m[1]!.trim().toLowerCase());
  return key ? { key, value: m[2]!.trim() } : undefined;
}

/** Reads a date as a client wrote it ("Fri, 20 Nov 2026 at 09:12", "20.11.2026 09:12") when it can. */
export function readLooseDate(value: string | null): string | null {
  if (!value) return null;
  const cleaned = value.replace(/\bat\b|\bum\b|\bà\b|\ba las\b|\balle\b|\bom\b|\bàs\b/gi, ' ').replace(/\s+/g, ' ').trim();
  const direct = Date.parse(cleaned);
  if (!Number.isNaN(direct)) return new Date(direct).toISOString();
  const dmy = /(\d{1,2})[./](\d{1,2})[./](\d{4})(?:,?\s+(\d{1,2}):(\d{2}))?/.exec(cleaned);
  if (dmy) {
    const d = new Date(Date.UTC(Number(dmy[3]), Number(dmy[2]) - 1, Number(dmy[1]), Number(dmy[4] ?? 0), Number(dmy[5] ?? 0)));
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  return null;
}

/** Reads the quoted header block starting at `lines[0]`; returns the headers and where the body starts. */
function readHeaderBlock(lines: string[]): { headers: Partial<Record<keyof typeof LABELS, string>>; bodyStart: number } {
  const headers: Partial<Record<keyof typeof LABELS, string>> = {};
  let i = 0;
  let last: keyof typeof LABELS | undefined;
  for (; i < lines.length && i < 30; i++) {
    const line = lines[i]!.replace(/^\s*>\s?/, '');
    if (!line.trim()) {
      if (Object.keys(headers).length) break;
      continue;
    }
    const hit = labelOf(line);
    if (hit) {
      headers[hit.key] ??= hit.value;
      last = hit.key;
      continue;
    }
    // A wrapped value ("To: a@b,\n  c@d") continues the previous header.
    if (last && /^\s+\S/.test(line) && Object.keys(headers).length < 6) {
      headers[last] = `${headers[last] ?? ''} ${line.trim()}`;
      continue;
    }
    break;
  }
  return { headers, bodyStart: i };
}

function unquote(lines: string[]): string[] {
  const quoted = lines.filter((l) => l.trim()).every((l) => /^\s*>/.test(l));
  return quoted ? lines.map((l) => l.replace(/^\s*>\s?/, '')) : lines;
}

/** Finds the first inline forward block in a plain-text body. */
export function findInlineForward(text: string): InlineForward | null {
  const normalised = text.replace(/\r\n?/g, '\n').replace(/\u00a0/g, ' ');
  let best: { start: number; end: number; marker: InlineForward['marker'] } | undefined;
  for (const { re, marker } of SEPARATORS) {
    const m = re.exec(normalised);
    if (m && (!best || m.index < best.start)) best = { start: m.index, end: m.index + m[0].length, marker };
  }
  // Outlook without a separator: a blank line, then "From:" followed by Sent/Date and Subject lines.
  const bare = /(^|\n)[ \t>]*\*?(from|von|de|da|van|från|fra)\*?\s*:[^\n]*\n(?:[ \t>]*\*?[\p{L} .]{1,25}\*?\s*:[^\n]*\n){2,6}/iu.exec(normalised);
  if (bare && (!best || bare.index < best.start)) {
    const block = readHeaderBlock(bare[0].replace(/^\n/, '').split('\n'));
    if (block.headers.from && (block.headers.date || block.headers.subject) && block.headers.subject !== undefined) {
      const start = bare.index + (bare[1] ? 1 : 0);
      best = { start, end: start, marker: 'headers' };
    }
  }
  if (!best) return null;
  const lines = unquote(normalised.slice(best.end).replace(/^[ \t]*\n/, '').split('\n'));
  const { headers, bodyStart } = readHeaderBlock(lines);
  if (!headers.from) return null;
  const from = parseAddress(headers.from);
  if (!from) return null;
  const body = lines.slice(bodyStart).join('\n').trim();
  return {
    marker: best.marker,
    from,
    date: headers.date ?? null,
    dateIso: readLooseDate(headers.date ?? null),
    subject: headers.subject ?? null,
    to: parseAddressList(headers.to),
    text: body,
  };
}

/**
 * The original of a chain of inline forwards: a forward of a forward is followed to the innermost
 * block (up to `maxDepth`), since that is the message someone actually sent.
 */
export function findOriginal(text: string, maxDepth = 5): InlineForward | null {
  let found = findInlineForward(text);
  for (let i = 1; found && i < maxDepth; i++) {
    if (!looksForwarded(found.subject ?? '')) break;
    const inner = findInlineForward(found.text);
    if (!inner) break;
    found = inner;
  }
  return found;
}

/** Subjects that announce a forward: Fwd, Fw, WG, TR, RV, Enc, Doorst., I:, VS: … */
export function looksForwarded(subject: string | undefined): boolean {
  return /^\s*(?:\[[^\]]*\]\s*)?(fwd?|wg|tr|rv|reenv|enc|i|doorst|fs|vb|vl|ps)\s*:/i.test(subject ?? '');
}

/** Subjects that announce a reply: Re, AW, SV, Antw, Réf, RIF, R … */
export function looksReply(subject: string | undefined): boolean {
  return /^\s*(?:\[[^\]]*\]\s*)?(re|aw|sv|antw|antwort|réf|ref|rif|r|odp|vs|ynt)\s*:/i.test(subject ?? '');
}

/**
 * Decides whether an inline block found in a message is a forward (and not the quoted original of
 * a reply, which Outlook writes with the same "Original Message" block).
 */
export function isForward(block: InlineForward, outer: { subject?: string; from?: Address | null }): boolean {
  if (block.marker === 'forward') return true;
  if (looksForwarded(outer.subject)) return true;
  if (looksReply(outer.subject)) return false;
  return Boolean(block.from && outer.from && block.from.address !== outer.from.address);
}
