/**
 * The lead drafts' wording, one table per language (English, German, French, Spanish), in a
 * business register: German "Sie", French "vous", Spanish "usted". Every entry carries the same
 * facts as the English one; what is passed in (the lead's words, names, product names, resource
 * titles, URLs) goes in as it is, untranslated. drafts.ts chooses what to say; this says it.
 */

export const DRAFT_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
export type DraftLanguage = (typeof DRAFT_LANGUAGES)[number];

export interface Phrases {
  /** The salutation line, with the lead's first name or without. */
  greeting(first: string | null): string;
  /** The closing before the signature (the signature goes on the next line). */
  closing: string;
  /** "A and B" (lists of product or tool names, the lead's pain words). */
  and(items: readonly string[]): string;

  firstSubject(product: string, company: string | null): string;
  /** Thanks for getting in touch, with the lead's words quoted as they wrote them. */
  firstThanks(words: string | null): string;
  /** `pains`: the lead's own pain words; none: pain they described in words we did not list. */
  pain(pains: readonly string[], product: string): string;
  /** Size and stack of the company, as far as known (at least one of them). */
  context(company: string, product: string, employees: number | null, stack: readonly string[]): string;
  startWith(title: string, url: string): string;
  callAsk: string;
  art14: string;

  followUpFirst(company: string | null): string;
  /** Follow-up 1 without a pain line. */
  followUpDefault: string;
  followUpLast: string;
  meantime(title: string, url: string): string;

  resourcesSubject(product: string): string;
  resourcesIntro(product: string): string;
  resourcesTalk: string;

  repSubject(company: string | null): string;
  repThanks(words: string | null): string;
  repPricing: string;
  /** The two time slots the rep fills in: `[slot 1]`, `[slot 2]` in the language's words. */
  repSlots(slot: (n: number) => string): string;

  answerThanks: string;
  answerCall: string;

  /** Placeholders a person fills in before a draft can go out (alert.ts refuses to send them). */
  placeholder: { yourName: string; slot: string; answer: string };
}

const list = (word: string) => (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]!}`;

// Spanish "y" is "e" before an /i/ sound ("Slack e Intercom"), but not before "hie-", "hia-".
const spanishAnd = (items: readonly string[]) => {
  const last = items[items.length - 1] ?? '';
  return list(/^h?i(?![aeiouáéíóú])/iu.test(last) ? 'e' : 'y')(items);
};

const en: Phrases = {
  greeting: (first) => `Hi ${first ?? 'there'},`,
  closing: 'Best regards,',
  and: list('and'),
  firstSubject: (product, company) => `${product}${company ? ` for ${company}` : ''}: your enquiry`,
  firstThanks: (words) => `thank you for getting in touch${words ? ` — "${words}"` : ''}.`,
  pain: (pains, product) => pains.length
    ? `You mentioned ${en.and(pains)}: that is exactly where ${product} takes the repetitive work off the team's plate.`
    : `What you describe is exactly where ${product} takes the repetitive work off the team's plate.`,
  context: (company, product, employees, stack) => {
    const parts = [employees ? `a team of about ${employees}` : null, stack.length ? `already on ${en.and(stack)}` : null].filter(Boolean);
    return `For ${parts.join(', ')} like ${company}, ${product} fits into the tools you use today.`;
  },
  startWith: (title, url) => `A good place to start: ${title} (${url}).`,
  callAsk: 'Would a short call next week help? Reply with a time that suits you, or any question you have.',
  art14: 'Where we know a little about your company, it comes from public business data provided by our enrichment service; reply to this email to see or remove it.',
  followUpFirst: (company) => `just following up on my last email${company ? ` about ${company}` : ''}.`,
  followUpDefault: 'Teams usually start with one inbox (support or invoices) and see results in the first week.',
  followUpLast: 'one last note from me: if the timing is not right, no problem at all. If it is, reply and we will set up a short call.',
  meantime: (title, url) => `In the meantime: ${title} (${url}).`,
  resourcesSubject: (product) => `Resources from ${product}`,
  resourcesIntro: (product) => `thanks for your interest in ${product}. Here is what people find most useful to start with:`,
  resourcesTalk: 'If you would like to talk to someone, just reply to this email.',
  repSubject: (company) => `Re: your enquiry${company ? ` — ${company}` : ''}`,
  repThanks: (words) => `thanks for reaching out${words ? ` — "${words}"` : ''}.`,
  repPricing: 'I will send pricing for your team size today.',
  repSlots: (slot) => `Could we find 30 minutes this week? Here are two slots that work for me: ${slot(1)}, ${slot(2)}.`,
  answerThanks: 'thanks for your question.',
  answerCall: 'Happy to go through it on a short call if that is easier.',
  placeholder: { yourName: 'your name', slot: 'slot', answer: 'answer here' },
};

const de: Phrases = {
  greeting: (first) => (first ? `Hallo ${first},` : 'Guten Tag,'),
  closing: 'Mit freundlichen Grüßen',
  and: list('und'),
  firstSubject: (product, company) => `${product}${company ? ` für ${company}` : ''}: Ihre Anfrage`,
  firstThanks: (words) => `vielen Dank für Ihre Anfrage${words ? ` – „${words}“` : ''}.`,
  pain: (pains, product) => pains.length
    ? `Sie erwähnten ${de.and(pains)}: Genau hier nimmt ${product} Ihrem Team die wiederkehrende Arbeit ab.`
    : `Was Sie beschreiben, ist genau die wiederkehrende Arbeit, die ${product} Ihrem Team abnimmt.`,
  context: (company, product, employees, stack) => {
    const size = employees ? ` mit etwa ${employees} Mitarbeitenden` : '';
    const tools = stack.length ? `, das bereits mit ${de.and(stack)} arbeitet,` : '';
    return `Für ein Unternehmen wie ${company}${size}${tools} fügt sich ${product} in die Tools ein, die Sie heute schon nutzen.`;
  },
  startWith: (title, url) => `Ein guter Einstieg: ${title} (${url}).`,
  callAsk: 'Würde Ihnen ein kurzes Gespräch in der nächsten Woche helfen? Antworten Sie einfach mit einem Termin, der Ihnen passt, oder mit Ihren Fragen.',
  art14: 'Was wir über Ihr Unternehmen wissen, stammt aus öffentlich verfügbaren Unternehmensdaten unseres Anreicherungsdienstes; antworten Sie auf diese E-Mail, wenn Sie diese Daten einsehen oder löschen lassen möchten.',
  followUpFirst: (company) => `ich melde mich noch einmal zu meiner letzten E-Mail${company ? ` über ${company}` : ''}.`,
  followUpDefault: 'Die meisten Teams beginnen mit einem Postfach (Support oder Rechnungen) und sehen schon in der ersten Woche Ergebnisse.',
  followUpLast: 'eine letzte Nachricht von mir: Wenn der Zeitpunkt gerade nicht passt, ist das überhaupt kein Problem. Wenn doch, antworten Sie einfach, und wir vereinbaren ein kurzes Gespräch.',
  meantime: (title, url) => `In der Zwischenzeit: ${title} (${url}).`,
  resourcesSubject: (product) => `Unterlagen zu ${product}`,
  resourcesIntro: (product) => `vielen Dank für Ihr Interesse an ${product}. Damit gelingt der Einstieg erfahrungsgemäß am besten:`,
  resourcesTalk: 'Wenn Sie mit jemandem sprechen möchten, antworten Sie einfach auf diese E-Mail.',
  repSubject: (company) => `Re: Ihre Anfrage${company ? ` – ${company}` : ''}`,
  repThanks: (words) => `vielen Dank für Ihre Nachricht${words ? ` – „${words}“` : ''}.`,
  repPricing: 'Die Preise für Ihre Teamgröße schicke ich Ihnen noch heute.',
  repSlots: (slot) => `Hätten Sie diese Woche 30 Minuten Zeit? Zwei Termine, die mir passen: ${slot(1)}, ${slot(2)}.`,
  answerThanks: 'vielen Dank für Ihre Frage.',
  answerCall: 'Gern gehen wir das auch in einem kurzen Gespräch durch, wenn Ihnen das lieber ist.',
  placeholder: { yourName: 'Ihr Name', slot: 'Termin', answer: 'Antwort hier' },
};

const fr: Phrases = {
  greeting: (first) => (first ? `Bonjour ${first},` : 'Bonjour,'),
  closing: 'Cordialement,',
  and: list('et'),
  firstSubject: (product, company) => `${product}${company ? ` pour ${company}` : ''} : votre demande`,
  firstThanks: (words) => `Merci de nous avoir contactés${words ? ` : « ${words} »` : ''}.`,
  pain: (pains, product) => pains.length
    ? `Vous avez mentionné ${fr.and(pains)} : c’est précisément là que ${product} libère votre équipe des tâches répétitives.`
    : `Ce que vous décrivez, c’est précisément le travail répétitif dont ${product} libère votre équipe.`,
  context: (company, product, employees, stack) => {
    const parts = [employees ? `avec environ ${employees} collaborateurs` : null, stack.length ? `déjà équipée de ${fr.and(stack)}` : null].filter((p): p is string => Boolean(p));
    return `Pour une entreprise comme ${company}, ${list('et')(parts)}, ${product} s’intègre aux outils que vous utilisez aujourd’hui.`;
  },
  startWith: (title, url) => `Pour commencer : ${title} (${url}).`,
  callAsk: 'Un court échange la semaine prochaine vous serait-il utile ? Répondez-nous avec un créneau qui vous convient, ou avec vos questions.',
  art14: 'Les informations dont nous disposons sur votre entreprise proviennent de données professionnelles publiques fournies par notre service d’enrichissement ; répondez à cet e-mail pour les consulter ou les faire supprimer.',
  followUpFirst: (company) => `Je me permets de revenir vers vous au sujet de mon dernier e-mail${company ? ` concernant ${company}` : ''}.`,
  followUpDefault: 'Les équipes commencent généralement par une seule boîte de réception (support ou factures) et voient des résultats dès la première semaine.',
  followUpLast: 'Un dernier mot de ma part : si le moment n’est pas opportun, aucun problème. Dans le cas contraire, répondez-moi et nous organiserons un court échange.',
  meantime: (title, url) => `En attendant : ${title} (${url}).`,
  resourcesSubject: (product) => `Ressources ${product}`,
  resourcesIntro: (product) => `Merci de l’intérêt que vous portez à ${product}. Voici ce qui est le plus utile pour commencer :`,
  resourcesTalk: 'Si vous souhaitez échanger avec quelqu’un, répondez simplement à cet e-mail.',
  repSubject: (company) => `Re: votre demande${company ? ` – ${company}` : ''}`,
  repThanks: (words) => `Merci pour votre message${words ? ` : « ${words} »` : ''}.`,
  repPricing: 'Je vous envoie dès aujourd’hui nos tarifs pour la taille de votre équipe.',
  repSlots: (slot) => `Pourrions-nous prévoir 30 minutes cette semaine ? Voici deux créneaux qui me conviennent : ${slot(1)}, ${slot(2)}.`,
  answerThanks: 'Merci pour votre question.',
  answerCall: 'Nous pouvons aussi en parler lors d’un court échange, si c’est plus simple pour vous.',
  placeholder: { yourName: 'votre nom', slot: 'créneau', answer: 'réponse ici' },
};

const es: Phrases = {
  greeting: (first) => (first ? `Hola, ${first}:` : 'Buenos días:'),
  closing: 'Saludos cordiales,',
  and: spanishAnd,
  firstSubject: (product, company) => `${product}${company ? ` para ${company}` : ''}: su consulta`,
  firstThanks: (words) => `Gracias por ponerse en contacto con nosotros${words ? `: «${words}»` : ''}.`,
  pain: (pains, product) => pains.length
    ? `Mencionó ${es.and(pains)}: justo ahí es donde ${product} libera a su equipo del trabajo repetitivo.`
    : `Lo que describe es justo el trabajo repetitivo del que ${product} libera a su equipo.`,
  context: (company, product, employees, stack) => {
    const parts = [employees ? `con unas ${employees} personas` : null, stack.length ? `que ya trabaja con ${es.and(stack)}` : null].filter((p): p is string => Boolean(p));
    return `Para una empresa como ${company}, ${list('y')(parts)}, ${product} se integra con las herramientas que ya utiliza.`;
  },
  startWith: (title, url) => `Un buen punto de partida: ${title} (${url}).`,
  callAsk: '¿Le vendría bien una breve llamada la próxima semana? Responda con un horario que le convenga o con cualquier pregunta que tenga.',
  art14: 'Lo que sabemos de su empresa procede de datos empresariales públicos facilitados por nuestro servicio de enriquecimiento de datos; responda a este correo para consultarlos o pedir que se eliminen.',
  followUpFirst: (company) => `Le escribo para dar seguimiento a mi último correo${company ? ` sobre ${company}` : ''}.`,
  followUpDefault: 'Los equipos suelen empezar con un solo buzón (soporte o facturas) y ven resultados ya en la primera semana.',
  followUpLast: 'Un último mensaje por mi parte: si no es buen momento, no hay ningún problema. Si lo es, responda a este correo y organizamos una breve llamada.',
  meantime: (title, url) => `Mientras tanto: ${title} (${url}).`,
  resourcesSubject: (product) => `Recursos de ${product}`,
  resourcesIntro: (product) => `Gracias por su interés en ${product}. Esto es lo que más ayuda para empezar:`,
  resourcesTalk: 'Si desea hablar con alguien, basta con responder a este correo.',
  repSubject: (company) => `Re: su consulta${company ? ` — ${company}` : ''}`,
  repThanks: (words) => `Gracias por escribirnos${words ? `: «${words}»` : ''}.`,
  repPricing: 'Hoy mismo le envío los precios para el tamaño de su equipo.',
  repSlots: (slot) => `¿Podríamos encontrar 30 minutos esta semana? Le propongo dos horarios: ${slot(1)}, ${slot(2)}.`,
  answerThanks: 'Gracias por su pregunta.',
  answerCall: 'Si le resulta más cómodo, podemos verlo en una breve llamada.',
  placeholder: { yourName: 'su nombre', slot: 'horario', answer: 'respuesta aquí' },
};

export const PHRASES: Record<DraftLanguage, Phrases> = { en, de, fr, es };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const PLACEHOLDER = new RegExp(
  `\\[(${Object.values(PHRASES).flatMap((p) => [escape(p.placeholder.yourName), `${escape(p.placeholder.slot)} \\d`]).join('|')})\\]`,
  'iu',
);

/** Whether a rep's reply still has a placeholder to fill in (its name, a time slot), in any language. */
export function hasRepPlaceholder(text: string): boolean {
  return PLACEHOLDER.test(text);
}
