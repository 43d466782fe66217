import type { EmailSummary } from '../ports.ts';

/** "Re: " once, whatever reply prefixes other clients used (Re, AW, SV, Antw, RE). */
export function replySubject(subject: string): string {
  const bare = subject.replace(/^\s*((re|aw|sv|antw|ref|r)\s*(\[\d+\])?\s*:\s*)+/i, '').trim();
  return `Re: ${bare || '(no subject)'}`;
}

export function quoteOriginal(email: EmailSummary | null, text: string): string {
  const who = email?.from ? (email.from.name ? `${email.from.name} <${email.from.address}>` : email.from.address) : 'you';
  const when = email?.date ? `On ${email.date}, ` : '';
  return `${when}${who} wrote:\n${text.split('\n').slice(0, 60).map((l) => `> ${l}`).join('\n')}`;
}
