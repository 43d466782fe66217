/**
 * Offline reply drafts: a template in the sender's language that quotes the steps of the
 * knowledge-base articles found and cites them. Plain, honest, and always reviewed by a person:
 * its confidence is at most 0.5 (0.2 without an article), lowered further by the same checks a
 * model's draft goes through (draft-confidence.ts), e.g. a language the templates do not speak.
 */
import type { DraftInput, DraftResult } from '../../workflows/ports.ts';
import { assessDraft } from '../draft-confidence.ts';

const PHRASES: Record<string, { hello: string; thanks: string; steps: string; more: string; bye: string }> = {
  en: { hello: 'Hello', thanks: 'Thank you for your message.', steps: 'Here is how to solve it:', more: 'More details', bye: 'Best regards,\nThe support team' },
  de: { hello: 'Hallo', thanks: 'vielen Dank für Ihre Nachricht.', steps: 'So lösen Sie das Problem:', more: 'Weitere Details', bye: 'Mit freundlichen Grüßen\nIhr Support-Team' },
  fr: { hello: 'Bonjour', thanks: 'merci pour votre message.', steps: 'Voici comment résoudre le problème :', more: 'Plus de détails', bye: 'Cordialement,\nL’équipe support' },
  es: { hello: 'Hola', thanks: 'gracias por su mensaje.', steps: 'Así puede resolverlo:', more: 'Más detalles', bye: 'Saludos cordiales,\nEl equipo de soporte' },
  it: { hello: 'Buongiorno', thanks: 'grazie per il suo messaggio.', steps: 'Ecco come risolvere:', more: 'Maggiori dettagli', bye: 'Cordiali saluti,\nIl team di supporto' },
  nl: { hello: 'Hallo', thanks: 'bedankt voor uw bericht.', steps: 'Zo lost u het op:', more: 'Meer details', bye: 'Met vriendelijke groet,\nHet supportteam' },
  pt: { hello: 'Olá', thanks: 'obrigado pela sua mensagem.', steps: 'Veja como resolver:', more: 'Mais detalhes', bye: 'Atenciosamente,\nA equipa de suporte' },
};

/** Numbered or bulleted lines of an article: the steps worth quoting. */
function steps(body: string): string[] {
  return body.split('\n').map((l) => l.trim()).filter((l) => /^(\d+[.)]|[-*•])\s+/.test(l)).slice(0, 8);
}

export function offlineDraft(input: DraftInput): DraftResult {
  const p = PHRASES[input.language] ?? PHRASES.en!;
  const name = input.email?.from?.name?.split(' ')[0];
  const lines = [`${p.hello}${name ? ` ${name}` : ''},`, '', p.thanks[0] === p.thanks[0]!.toUpperCase() ? p.thanks : `${p.thanks[0]!.toUpperCase()}${p.thanks.slice(1)}`];
  const used = input.articles.slice(0, 2);
  const first = used[0];
  if (first) {
    const s = steps(first.body);
    lines.push('', p.steps, ...(s.length ? s : [first.body.split('\n').find((l) => l.trim() && !l.startsWith('#')) ?? '']));
  }
  lines.push('', `${p.more}: ${used.map((a) => `"${a.title}"`).join(', ')}`, '', p.bye);
  const text = lines.join('\n');
  // The templates judge nothing themselves: their own "confidence" is a fixed, low ceiling.
  const checked = assessDraft(text, { articles: used, language: input.language }, { confidence: used.length ? 0.5 : 0.2, cited_article_ids: used.map((a) => a.id), articles_answer_question: used.length > 0 });
  return { text, citations: used.map((a) => a.id), confidence: checked.confidence, provider: 'offline', model: 'templates-v1' };
}
