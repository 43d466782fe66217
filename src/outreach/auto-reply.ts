/**
 * Auto-replies and out-of-office mail. Header signals first (RFC 3834 `Auto-Submitted`, the
 * de-facto `X-Autoreply`/`X-Autorespond`, `Precedence: auto_reply`; Exchange's
 * `X-Auto-Response-Suppress` beside an auto-reply subject), then the subject and the first lines of the body in English,
 * German, French, Spanish, Italian, Dutch and the Nordic languages. The return date is read when
 * the text states one ("back on 12 May", "bis 12.05.", "jusqu'au 3 juin").
 *
 * Pure functions; dates are calendar days (YYYY-MM-DD), without a time zone.
 */

export interface AutoReplyFacts {
  /** Which signal said so (for the decision log). */
  signal: string;
  returnDate: string | null;
}

const SUBJECT =
  /\b(auto(matic|matische|matisch)?[\s-]*(reply|response|responder|antwort|antwoord|svar|respons)|autoreply|autorespons|out of (the )?office|\booo\b|abwesen(d|heit)\w*|nicht im b[üu]ro|r[ée]ponse automatique|absence|absent|respuesta autom[aá]tica|fuera de la oficina|ausente|risposta automatica|fuori ufficio|afwezig|frånvaro|fravær|poissa|away until|on (vacation|holiday|leave)|vacation (reply|notice)|urlaub\w*)\b/i;

const BODY = new RegExp(
  [
    "\\bI(?:'m| am| will be)(?: currently| now)? (?:out of (?:the )?office|away from (?:the |my )?(?:office|desk|e-?mail)|on (?:vacation|holiday|leave|annual leave|parental leave|maternity leave|sick leave|a business trip)|away|travell?ing|out)\\b",
    '\\bI will be back\\b',
    '\\b(?:limited|no) access to (?:my )?e-?mail\\b',
    '\\bthank you for your (?:e-?mail|message)\\b.{0,80}\\b(?:out of|away|absent|on leave|vacation)\\b',
    '\\bich bin (?:derzeit |zurzeit |momentan |aktuell |bis .{0,30})?(?:nicht im b[üu]ro|abwesend|im urlaub|au[ßs]er haus)\\b',
    '\\b(?:bin|wieder) (?:ab|am) .{0,30}(?:wieder )?(?:erreichbar|im b[üu]ro|da)\\b',
    '\\bje suis (?:actuellement |absent|absente|en cong[ée]s?|en vacances)',
    '\\bje serai de retour\\b',
    '\\bestoy (?:fuera de la oficina|de vacaciones|ausente)\\b',
    '\\bestar[ée] de (?:vuelta|regreso)\\b',
    "\\bsono (?:fuori ufficio|in ferie|assente)\\b",
    '\\bik ben (?:afwezig|met vakantie|niet op kantoor)\\b',
  ].join('|'),
  'i',
);

export interface AutoReplyInput {
  subject: string;
  text: string;
  headers: Record<string, string>;
  /** The message's Date (ISO), for a return date stated without a year. */
  date: string | null;
}

/** Header signals, strongest first; null when no header says the message is automatic. */
function headerSignal(h: Record<string, string>): string | null {
  const auto = h['auto-submitted']?.toLowerCase();
  if (auto && !/^\s*no\b/.test(auto)) return `Auto-Submitted: ${auto}`;
  for (const name of Object.keys(h)) if (/^x-(autoreply|autorespond|auto-?responder|autoreply-from|mail-autoreply)$/.test(name)) return name;
  if (/auto[_-]?reply/i.test(h.precedence ?? '')) return `Precedence: ${h.precedence}`;
  return null;
}

export function readAutoReply(input: AutoReplyInput): AutoReplyFacts | null {
  const head = input.text.slice(0, 3000);
  const bySubject = SUBJECT.exec(input.subject);
  const byHeader = headerSignal(input.headers);
  const byBody = BODY.exec(head);
  // A subject alone is a claim anyone can type ("Out of office tomorrow?"): it needs the body or a
  // header to agree, or to begin the way only auto-responders begin subjects. The body alone is not
  // enough either: "I'm out of the office this week, but yes, call me" is a person's reply.
  // Exchange marks its own automatic mail with X-Auto-Response-Suppress, but some clients set it on
  // ordinary mail too: alone it proves nothing, beside an auto-reply subject it settles it.
  const suppressHeader = h(input.headers, 'x-auto-response-suppress');
  const signal = byHeader ?? (bySubject && suppressHeader ? `subject "${bySubject[0]}" and X-Auto-Response-Suppress: ${suppressHeader}` : null) ?? (bySubject && byBody ? `subject "${bySubject[0]}" and text "${byBody[0]}"` : null) ?? (bySubject && /^(auto|automatic|automatische|r[ée]ponse automatique|respuesta autom|out of (the )?office|abwesenheit)/i.test(input.subject.trim()) ? `subject "${bySubject[0]}"` : null);
  if (!signal) return null;
  return { signal, returnDate: findReturnDate(`${input.subject}\n${head}`, input.date) };
}

const h = (headers: Record<string, string>, name: string) => headers[name]?.trim() || null;

const MONTHS: Array<[RegExp, number]> = [
  [/^(jan(uary|uar|vier)?|janv|ene(ro)?|genn(aio)?|jän(ner)?)\.?$/i, 1],
  [/^(feb(ruary|ruar)?|f[ée]v(rier)?|febrero|febbraio)\.?$/i, 2],
  [/^(mar(ch|s|zo)?|m[äa]rz|maart)\.?$/i, 3],
  [/^(apr(il|ile)?|avr(il)?|abr(il)?)\.?$/i, 4],
  [/^(may|mai|mayo|maggio|mei)\.?$/i, 5],
  [/^(jun(e|i|io)?|juin|giugno)\.?$/i, 6],
  [/^(jul(y|i|io)?|juil(let)?|luglio)\.?$/i, 7],
  [/^(aug(ust)?|ao[uû]t|ago(sto)?)\.?$/i, 8],
  [/^(sep(t|tember|tiembre|tembre)?|set(tembre)?)\.?$/i, 9],
  [/^(oct(ober|obre|ubre)?|okt(ober)?|ott(obre)?)\.?$/i, 10],
  [/^(nov(ember|embre|iembre)?)\.?$/i, 11],
  [/^(dec(ember)?|d[ée]c(embre)?|dez(ember)?|dic(iembre|embre)?)\.?$/i, 12],
];
const monthOf = (word: string) => MONTHS.find(([re]) => re.test(word))?.[1] ?? null;
const MONTH_WORD = "([A-Za-zÀ-ÿ]{3,10}\\.?)";

// Words that introduce a return date ("until", "back on", "bis", "jusqu'au", "hasta el"...).
const MARKER =
  /\b(until|till|through|thru|back (?:in the office )?on|back on|return(?:ing)? on|returning|back|bis(?: zum| einschlie(?:ß|ss)lich)?|ab dem|ab|zur[üu]ck am|wieder am|jusqu['’]au|jusqu['’]à|de retour le|de retour|retour le|hasta el|hasta|de vuelta el|regreso el|fino al|fino a|rientro il|tot en met|tot)\b/gi;

/** The first date after a return marker, as YYYY-MM-DD. */
export function findReturnDate(text: string, messageDate: string | null): string | null {
  const ref = messageDate && !Number.isNaN(Date.parse(messageDate)) ? new Date(messageDate) : new Date();
  for (const m of text.matchAll(MARKER)) {
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 60);
    const date = parseDateStart(after, ref, /^(until|till|through|thru|back|return)/i.test(m[1]!));
    if (date) return date;
  }
  return null;
}

function iso(y: number, mo: number, d: number): string | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCMonth() !== mo - 1) return null;
  return t.toISOString().slice(0, 10);
}

/** A date without a year is the next such day on or after the message's date (less a day of slack). */
function withYear(mo: number, d: number, y: number | null, ref: Date): string | null {
  if (y !== null) return iso(y < 100 ? 2000 + y : y, mo, d);
  const year = ref.getUTCFullYear();
  const candidate = iso(year, mo, d);
  if (!candidate) return null;
  return Date.parse(candidate) < ref.getTime() - 86_400_000 ? iso(year + 1, mo, d) : candidate;
}

function parseDateStart(s: string, ref: Date, english: boolean): string | null {
  const t = s.replace(/^[\s,:]*(the |le |el |dem |den |il |(?:mon|tues|wednes|thurs|fri|satur|sun)day,? |(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag),? |(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) |(?:lunes|martes|miércoles|jueves|viernes|sábado|domingo),? )*/i, '');
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})\b/.exec(t);
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{2,4})?/.exec(t);
  if (m) return withYear(Number(m[2]), Number(m[1]), m[3] ? Number(m[3]) : null, ref);
  m = /^(\d{1,2})\/(\d{1,2})(?:\/(\d{2,4}))?\b/.exec(t);
  if (m) {
    let [a, b] = [Number(m[1]), Number(m[2])];
    // dd/mm outside English; mm/dd in English unless the first number cannot be a month.
    if (english && a <= 12 && b > 0) [a, b] = [b, a];
    if (b > 12 && a <= 12) [a, b] = [b, a];
    return withYear(b, a, m[3] ? Number(m[3]) : null, ref);
  }
  m = new RegExp(`^(\\d{1,2})(?:st|nd|rd|th|er|\\.|º)?\\s*(?:of |de |)${MONTH_WORD}(?:\\s*(?:de\\s*)?,?\\s*(\\d{4}))?`, 'i').exec(t);
  if (m && monthOf(m[2]!)) return withYear(monthOf(m[2]!)!, Number(m[1]), m[3] ? Number(m[3]) : null, ref);
  m = new RegExp(`^${MONTH_WORD}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s*(\\d{4}))?`, 'i').exec(t);
  if (m && monthOf(m[1]!)) return withYear(monthOf(m[1]!)!, Number(m[2]), m[3] ? Number(m[3]) : null, ref);
  return null;
}
