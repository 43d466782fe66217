/**
 * What a lead's reply means, in the issue's order: unsubscribe → not interested → not now →
 * interested / question. Offline rules on the new text only (the quoted copy of our own email
 * says "pricing" and "demo" and must never be read as the lead's words). With a model, these
 * rules still run first and their unsubscribe is final (model-judgements.ts).
 */
import EmailReplyParserModule from 'email-reply-parser';

export type ReplyIntent = 'unsubscribe' | 'not_interested' | 'not_now' | 'interested' | 'question';

const RULES: Array<{ intent: Exclude<ReplyIntent, 'question'>; re: RegExp }> = [
  { intent: 'unsubscribe', re: /\b(unsubscribe|remove me|take me off|stop (emailing|e-?mailing|sending|contacting)|opt[ -]?out|do not (email|contact)|don't (email|contact) me|abmelden|austragen|keine (weiteren )?(e-?mails|nachrichten)|désinscri\w*|ne (plus )?m'écrivez plus|darme de baja|dar de baja|no me (escriba|envíe)\w*)\b/iu },
  { intent: 'not_interested', re: /\b(not interested|no longer interested|no thanks|no,? thank you|not a fit|not for us|we('ve| have) (chosen|decided on|gone with|signed with)|kein interesse|nicht interessiert|pas intéressée?s?|ça ne nous intéresse pas|no nos interesa|no estoy interesad[oa]|no gracias)\b/iu },
  { intent: 'not_now', re: /\b(not (right )?now|maybe later|later this year|next (year|quarter)|in a few (months|weeks)|circle back|reach out (again )?in|touch base (again )?in|after the (summer|holidays)|gerade nicht|später|nächstes (jahr|quartal)|in ein paar (monaten|wochen)|pas maintenant|plus tard|l'année prochaine|ahora no|más adelante|el próximo (año|trimestre))\b/iu },
  { intent: 'interested', re: /\b(interested|sounds (good|great)|let's (talk|chat|meet|do it)|(book|schedule|set up) a (call|meeting|demo)|call me|send (me )?(the )?(pricing|a quote|a proposal)|happy to (talk|chat)|yes,? please|interessiert|gerne|klingt gut|termin|intéressée?|avec plaisir|volontiers|me interesa|con gusto|suena bien)\b/iu },
];

const Parser = EmailReplyParserModule as unknown as new () => { read(text: string): { getVisibleText(): string } };

/** The reply's own text: quoted history and signatures removed. */
export function replyText(text: string): string {
  try {
    return new Parser().read(text).getVisibleText().trim() || text.trim();
  } catch {
    return text.trim();
  }
}

export function classifyReply(text: string): { intent: ReplyIntent; why: string; text: string } {
  const own = replyText(text).slice(0, 5000);
  for (const rule of RULES) {
    const m = rule.re.exec(own);
    if (m) return { intent: rule.intent, why: `the reply says "${m[0]}"`, text: own };
  }
  return { intent: 'question', why: own.includes('?') ? 'the reply asks a question' : 'the reply is neither a refusal nor a clear yes: a person answers it', text: own };
}
