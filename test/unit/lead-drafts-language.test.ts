/** The lead drafts in the lead's language: how the language is chosen, and every draft in en, de, fr, es. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { policySchema } from '../../src/policy/schema.ts';
import { answerDraft, firstEmail, followUp, repReply, resourceEmail, type DraftContext, type DraftLanguage } from '../../src/workflows/lead/drafts.ts';
import { DRAFT_LANGUAGES, hasRepPlaceholder } from '../../src/workflows/lead/drafts-i18n.ts';
import { addressFacts } from '../../src/workflows/lead/enrich/domains.ts';
import { readSignals } from '../../src/workflows/lead/enrich/message-facts.ts';
import { leadInputSchema } from '../../src/workflows/lead/form.ts';
import { chooseLanguage } from '../../src/workflows/lead/language.ts';
import { leadRoute } from '../../src/workflows/lead/route.ts';
import { scoreLead, type CompanyProfile } from '../../src/workflows/lead/score.ts';
import type { EmailSummary, TriageResult } from '../../src/workflows/ports.ts';

const MESSAGES: Record<DraftLanguage, string> = {
  en: 'Could you send us pricing for 30 seats? Our team does too much manual work.',
  de: 'Könnten Sie uns bitte ein Angebot für 30 Lizenzen schicken? Wir machen die Ablage noch manual, das ist sehr mühsam.',
  fr: 'Bonjour, pourriez-vous nous envoyer un devis pour 30 licences ? Nous faisons tout en manual et ce n’est pas tenable.',
  es: 'Hola, ¿nos pueden enviar los precios para 30 usuarios? Todo lo hacemos de forma manual y no es sostenible para el equipo.',
};

const policy = policySchema.parse({
  lead: { sender_name: 'Mara from Mailroom', resources: [{ title: 'Automation playbook', url: 'https://example.com/playbook' }, { title: 'Mailroom in 5 minutes', url: 'https://example.com/tour' }] },
}).lead;
const acme: CompanyProfile = { name: 'Acme GmbH', domain: 'acme.example', employees: 120, industry: 'SaaS', revenue_usd: null, funding_stage: null, tech: ['Slack', 'HubSpot'], source: 'companies table', confidence: 0.9 };

function ctx(message: string, o: { language?: DraftLanguage; name?: string | null; company?: string | null; profile?: CompanyProfile | null; outsideData?: boolean } = {}): DraftContext {
  const address = addressFacts('lead@acme.example');
  const signals = readSignals(message, policy.icp.pain_signals);
  const score = scoreLead({ address, company: o.profile ?? null, title: null, signals, stated: [], activity: [], submissions: 1, inboundMails: 0, source: null }, policy);
  return {
    name: o.name === undefined ? 'Dana Park' : o.name,
    company: o.company === undefined ? 'Acme GmbH' : o.company,
    message, score, lead: policy, language: o.language ?? chooseLanguage(message).language,
    enrichment: { address, company: o.profile === undefined ? acme : o.profile, signals, stated: [], facts: [], problems: [], outsideData: o.outsideData ?? true },
  };
}

const all = (c: DraftContext) => [firstEmail(c), followUp(c, 1), followUp(c, 2), resourceEmail(c), repReply(c), answerDraft(c, 'Geht das auch mit Outlook?')];

test('the language comes from the lead\'s words; too little or unclear text, or an unknown language, is English', () => {
  for (const lang of DRAFT_LANGUAGES) assert.equal(chooseLanguage(MESSAGES[lang]).language, lang, lang);
  const de = chooseLanguage(MESSAGES.de);
  assert.equal(de.source, 'detected');
  assert.match(de.reason, /read as de, confidence 0\.\d\d/);
  for (const short of ['', 'Hi', 'Preise?', 'Angebot bitte']) {
    const c = chooseLanguage(short);
    assert.deepEqual([c.language, c.source], ['en', 'default'], short);
    assert.match(c.reason, /too little text/);
  }
  // The policy's lead.default_language replaces English where the words do not tell.
  assert.deepEqual([chooseLanguage('Angebot bitte', null, 'de').language, chooseLanguage('Angebot bitte', null, 'de').source], ['de', 'default']);
  assert.equal(chooseLanguage('We need pricing for our support team, please.', null, 'de').language, 'en', 'a clear reading still wins');
  // No stop word of any language: the detector is unsure, so English.
  assert.deepEqual([chooseLanguage('Demo request, 50 users, Hamburg office').language, chooseLanguage('Demo request, 50 users, Hamburg office').source], ['en', 'default']);
  // A word several languages share counts less than one only French has ("vous" beats "un").
  const shared = chooseLanguage('Nous voulons automatiser notre boîte support. Pouvez-vous nous envoyer un devis ?');
  assert.deepEqual([shared.language, shared.source], ['fr', 'detected']);
  assert.ok(shared.detected!.confidence >= 0.6, String(shared.detected!.confidence));
  // The detector knows none of the words: the enquiry words decide.
  const unsure = chooseLanguage('Souhaitons devis avec 40 licences, merci cordialement');
  assert.deepEqual([unsure.language, unsure.source, unsure.detected?.confidence], ['fr', 'detected', 0.3]);
  assert.match(unsure.reason, /detector was unsure \(en, confidence 0\.30\); the lead's words "souhaitons", "avec", "merci", "cordialement" are fr/);
  assert.equal(chooseLanguage('¿Podrían llamarme esta semana?').language, 'es');
  assert.equal(chooseLanguage('Wir möchten Mailroom testen. Gibt es eine Testversion?').language, 'de');
  const it = chooseLanguage('Buongiorno, vorrei un preventivo per il mio team, grazie molto');
  assert.equal(it.language, 'en');
  assert.match(it.reason, /no lead templates in it/);
});

test('a model triage\'s language wins over the detector; the offline triage\'s does not (it is the detector without its bar)', () => {
  assert.deepEqual(chooseLanguage('Hi', { language: 'de', provider: 'anthropic' }), { language: 'de', source: 'triage', detected: null, reason: 'the triage (anthropic) read the email as de' });
  assert.equal(chooseLanguage(MESSAGES.en, { language: 'French', provider: 'openai' }).language, 'fr');
  assert.equal(chooseLanguage(MESSAGES.en, { language: 'es-ES', provider: 'openai' }).language, 'es');
  assert.equal(chooseLanguage(MESSAGES.fr, { language: 'ja', provider: 'anthropic' }).language, 'en');
  assert.equal(chooseLanguage('Hi', { language: 'fr', provider: 'offline' }).language, 'en');
  assert.equal(chooseLanguage(MESSAGES.es, { language: 'es', provider: 'offline' }).source, 'detected');
});

test('a routed email hands the triage\'s language to the lead input', () => {
  const email: EmailSummary = {
    messageId: '<m1@acme.example>', inReplyTo: null, references: [], from: { address: 'dana@acme.example', name: 'Dana Park' }, replyTo: null, to: [], subject: 'Angebot', date: null, text: MESSAGES.de, attachments: [], forwarded: null, auth: null, headers: {},
  };
  const triage = { language: 'de', provider: 'anthropic' } as TriageResult;
  const parsed = leadInputSchema.parse(leadRoute.input!({ itemId: 'i1', kind: 'email', email, text: email.text, documents: [], triage, requester: null }));
  assert.deepEqual(parsed.triageLanguage, { language: 'de', provider: 'anthropic' });
  assert.equal(leadInputSchema.parse(leadRoute.input!({ itemId: 'i1', kind: 'email', email, text: email.text, documents: [], triage: null, requester: null })).triageLanguage, undefined);
});

test('a German message gets German drafts, with "Sie", the lead\'s words verbatim and the same facts as the English', () => {
  const c = ctx(MESSAGES.de);
  assert.equal(c.language, 'de');
  const first = firstEmail(c);
  assert.equal(first.subject, 'Mailroom für Acme GmbH: Ihre Anfrage');
  assert.match(first.text, /^Hallo Dana,\n\nvielen Dank für Ihre Anfrage – „Könnten Sie uns bitte ein Angebot für 30 Lizenzen schicken\?“\./);
  assert.match(first.text, /Sie erwähnten manual: Genau hier nimmt Mailroom Ihrem Team/);
  assert.match(first.text, /Für ein Unternehmen wie Acme GmbH mit etwa 120 Mitarbeitenden, das bereits mit Slack und HubSpot arbeitet, fügt sich Mailroom in die Tools ein/);
  assert.match(first.text, /Ein guter Einstieg: Automation playbook \(https:\/\/example\.com\/playbook\)\./);
  assert.match(first.text, /Anreicherungsdienstes/);
  assert.match(first.text, /Mit freundlichen Grüßen\nMara from Mailroom$/);
  assert.match(first.text, /\bSie\b/);
  assert.doesNotMatch(first.text, /\b(du|dich|dir|dein)\b/i);
  const f1 = followUp(c, 1);
  assert.equal(f1.subject, 'Re: Mailroom für Acme GmbH: Ihre Anfrage');
  assert.match(f1.text, /^Hallo Dana,\n\nich melde mich noch einmal zu meiner letzten E-Mail über Acme GmbH\. Sie erwähnten manual/);
  assert.match(f1.text, /In der Zwischenzeit: Mailroom in 5 minutes \(https:\/\/example\.com\/tour\)\./);
  assert.match(followUp(c, 2).text, /eine letzte Nachricht von mir: Wenn der Zeitpunkt gerade nicht passt/);
  assert.equal(resourceEmail(c).subject, 'Unterlagen zu Mailroom');
  assert.match(resourceEmail(c).text, /- Automation playbook: https:\/\/example\.com\/playbook\n- Mailroom in 5 minutes: https:\/\/example\.com\/tour/);
  const rep = repReply(c);
  assert.equal(rep.subject, 'Re: Ihre Anfrage – Acme GmbH');
  assert.match(rep.text, /Die Preise für Ihre Teamgröße/);
  assert.match(rep.text, /\[Termin 1\], \[Termin 2\]/);
  assert.match(rep.text, /Mit freundlichen Grüßen\n\[Ihr Name\]$/);
  assert.ok(hasRepPlaceholder(rep.text), 'alert.ts must not send the German rep draft with its placeholders');
  assert.match(answerDraft(c, 'Geht das auch mit Outlook?').text, /vielen Dank für Ihre Frage\.\n\n> Geht das auch mit Outlook\?\n\n\[Antwort hier\]/);
});

test('a French message gets French drafts with "vous"; a Spanish one Spanish drafts with "usted"', () => {
  const fr = ctx(MESSAGES.fr);
  assert.equal(fr.language, 'fr');
  const f = firstEmail(fr);
  assert.equal(f.subject, 'Mailroom pour Acme GmbH : votre demande');
  assert.match(f.text, /^Bonjour Dana,\n\nMerci de nous avoir contactés : « Bonjour, pourriez-vous nous envoyer un devis pour 30 licences \? »\./);
  assert.match(f.text, /\bvous\b/);
  assert.doesNotMatch(f.text, /\b(tu|toi|ton|ta|tes)\b/i);
  assert.match(f.text, /Pour une entreprise comme Acme GmbH, avec environ 120 collaborateurs et déjà équipée de Slack et HubSpot, Mailroom s’intègre/);
  assert.match(f.text, /Pour commencer : Automation playbook \(https:\/\/example\.com\/playbook\)\./);
  assert.match(f.text, /Cordialement,\nMara from Mailroom$/);
  assert.match(followUp(fr, 1).text, /^Bonjour Dana,\n\nJe me permets de revenir vers vous au sujet de mon dernier e-mail concernant Acme GmbH\./);
  assert.match(followUp(fr, 2).text, /Un dernier mot de ma part/);
  assert.match(repReply(fr).text, /\[créneau 1\], \[créneau 2\][\s\S]*Cordialement,\n\[votre nom\]$/);

  const es = ctx(MESSAGES.es);
  assert.equal(es.language, 'es');
  const e = firstEmail(es);
  assert.equal(e.subject, 'Mailroom para Acme GmbH: su consulta');
  assert.match(e.text, /^Hola, Dana:\n\nGracias por ponerse en contacto con nosotros: «Hola, ¿nos pueden enviar los precios para 30 usuarios\?»\./);
  assert.match(e.text, /Mencionó manual: justo ahí es donde Mailroom libera a su equipo/);
  assert.match(e.text, /Para una empresa como Acme GmbH, con unas 120 personas y que ya trabaja con Slack y HubSpot, Mailroom se integra/);
  assert.match(e.text, /¿Le vendría bien una breve llamada/);
  assert.doesNotMatch(e.text, /\b(tú|tu|te|contigo)\b/i);
  assert.match(e.text, /Saludos cordiales,\nMara from Mailroom$/);
  assert.match(followUp(es, 1).text, /^Hola, Dana:\n\nLe escribo para dar seguimiento a mi último correo sobre Acme GmbH\./);
  assert.match(repReply(es).text, /Hoy mismo le envío los precios[\s\S]*\[horario 1\], \[horario 2\][\s\S]*\[su nombre\]$/);
});

test('an English or too-short message stays English, word for word as before', () => {
  const c = ctx(MESSAGES.en);
  assert.equal(c.language, 'en');
  const first = firstEmail(c);
  assert.equal(first.subject, 'Mailroom for Acme GmbH: your enquiry');
  assert.equal(first.text, [
    'Hi Dana,',
    'thank you for getting in touch — "Could you send us pricing for 30 seats?".',
    "You mentioned manual: that is exactly where Mailroom takes the repetitive work off the team's plate.",
    'For a team of about 120, already on Slack and HubSpot like Acme GmbH, Mailroom fits into the tools you use today.',
    'A good place to start: Automation playbook (https://example.com/playbook).',
    'Would a short call next week help? Reply with a time that suits you, or any question you have.',
    'Where we know a little about your company, it comes from public business data provided by our enrichment service; reply to this email to see or remove it.',
    'Best regards,\nMara from Mailroom',
  ].join('\n\n'));
  assert.match(repReply(c).text, /\[slot 1\], \[slot 2\][\s\S]*Best regards,\n\[your name\]$/);
  assert.ok(hasRepPlaceholder(repReply(c).text));
  assert.equal(ctx('Preise?').language, 'en');
  assert.match(firstEmail(ctx('Preise?')).text, /^Hi Dana,\n\nthank you for getting in touch — "Preise\?"\./);
  // A context without a language (older callers) is English.
  assert.equal(firstEmail({ ...c, language: undefined }).text, first.text);
});

test('the pain line names only pain words the lead wrote; an English policy word is not put into a German sentence', () => {
  // A model reads "Effizienz" as the policy's pain "efficiency" (model-judgements.ts keeps it: the quote is verbatim).
  const message = 'Wir brauchen mehr Effizienz in unseren Postfächern, bitte schicken Sie ein Angebot.';
  const base = ctx(message);
  assert.equal(base.language, 'de');
  const c = { ...base, enrichment: { ...base.enrichment, signals: [...base.enrichment.signals, { kind: 'pain' as const, match: 'efficiency', quote: message }] } };
  const text = firstEmail(c).text;
  assert.match(text, /Was Sie beschreiben, ist genau die wiederkehrende Arbeit, die Mailroom Ihrem Team abnimmt\./);
  assert.doesNotMatch(text, /efficiency/);
  assert.match(firstEmail({ ...c, language: 'en' }).text, /You mentioned efficiency:/);
});

test('quoted words are verbatim, and no placeholder leaks for a lead without name or company, in any language', () => {
  for (const lang of DRAFT_LANGUAGES) {
    const c = ctx(MESSAGES[lang], { name: null, company: null, profile: null, outsideData: false });
    assert.equal(c.language, lang);
    const first = MESSAGES[lang].split(/(?<=[.!?])\s/)[0]!;
    for (const d of all(c)) {
      for (const part of [d.subject, d.text]) {
        assert.doesNotMatch(part, /undefined|null|NaN|\[object|\$\{|""|„“|«\s*»|\(\s*\)| ,/, `${lang}: ${part}`);
        assert.doesNotMatch(part, / {2}/, `${lang}: double space in ${part}`);
      }
    }
    assert.ok(firstEmail(c).text.includes(first), `${lang}: the lead's words verbatim: ${first}`);
    assert.ok(repReply(c).text.includes(first), `${lang}: the rep's draft quotes them too`);
    assert.doesNotMatch(firstEmail(c).subject, /Acme/);
    assert.doesNotMatch(firstEmail(c).text, /Acme|enrichment|Anreicherung|enrichissement|enriquecimiento/);
  }
  assert.match(firstEmail(ctx(MESSAGES.de, { name: null })).text, /^Guten Tag,\n\nvielen Dank/);
  assert.match(firstEmail(ctx(MESSAGES.fr, { name: null })).text, /^Bonjour,\n\nMerci/);
  assert.match(firstEmail(ctx(MESSAGES.es, { name: null })).text, /^Buenos días:\n\nGracias/);
  assert.match(firstEmail(ctx(MESSAGES.en, { name: '  ' })).text, /^Hi there,/);
});

test('product names, resource titles and URLs are never translated', () => {
  const lead = { ...policy, product_name: 'Acme Inbox Pro' };
  for (const lang of DRAFT_LANGUAGES) {
    const c = { ...ctx(MESSAGES[lang]), lead };
    const text = all(c).map((d) => `${d.subject}\n${d.text}`).join('\n');
    assert.match(text, /Acme Inbox Pro/, lang);
    assert.match(resourceEmail(c).text, /Automation playbook: https:\/\/example\.com\/playbook/, lang);
    assert.match(resourceEmail(c).subject, /Acme Inbox Pro/, lang);
  }
});

test('the company line reads well with the size alone or the stack alone', () => {
  const sizeOnly = { ...acme, tech: [] };
  const stackOnly = { ...acme, employees: null, tech: ['Intercom', 'Slack'] };
  const line = (lang: DraftLanguage, profile: CompanyProfile) => firstEmail(ctx(MESSAGES[lang], { profile })).text.split('\n\n').find((l) => l.includes('Acme GmbH') && !l.includes('«') && !l.includes('„') && !l.includes('"'));
  assert.equal(line('de', sizeOnly), 'Für ein Unternehmen wie Acme GmbH mit etwa 120 Mitarbeitenden fügt sich Mailroom in die Tools ein, die Sie heute schon nutzen.');
  assert.equal(line('de', { ...stackOnly, tech: ['Slack'] }), 'Für ein Unternehmen wie Acme GmbH, das bereits mit Slack arbeitet, fügt sich Mailroom in die Tools ein, die Sie heute schon nutzen.');
  assert.equal(line('fr', sizeOnly), 'Pour une entreprise comme Acme GmbH, avec environ 120 collaborateurs, Mailroom s’intègre aux outils que vous utilisez aujourd’hui.');
  assert.equal(line('es', sizeOnly), 'Para una empresa como Acme GmbH, con unas 120 personas, Mailroom se integra con las herramientas que ya utiliza.');
  // Only the policy's stack counts (Slack, HubSpot); Spanish "y" before an /i/ sound is "e".
  assert.equal(line('es', { ...stackOnly, tech: ['Slack', 'Intercom'] }), 'Para una empresa como Acme GmbH, que ya trabaja con Slack, Mailroom se integra con las herramientas que ya utiliza.');
  const lead = { ...policy, icp: { ...policy.icp, tech: ['Slack', 'Intercom'] } };
  assert.match(firstEmail({ ...ctx(MESSAGES.es, { profile: stackOnly }), lead }).text, /que ya trabaja con Intercom y Slack, Mailroom/);
  assert.match(firstEmail({ ...ctx(MESSAGES.es, { profile: { ...stackOnly, tech: ['Slack', 'Intercom'] } }), lead }).text, /que ya trabaja con Slack e Intercom, Mailroom/);
  for (const lang of DRAFT_LANGUAGES) assert.equal(line(lang, { ...acme, employees: null, tech: ['Zendesk'] }), undefined, `${lang}: nothing to say about the company, no line`);
});
