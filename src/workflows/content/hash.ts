/**
 * What an approver approves, flat (so the edit modal and the policy gate read the same fields),
 * and its content hash. The gate recomputes the hash from the approved request plus the edits
 * and compares it with the hash of what is about to be published: nothing else goes public.
 */
import crypto from 'node:crypto';
import type { Piece, Variants } from './checks/index.ts';

export interface ApprovedContent {
  title: string;
  slug: string;
  meta_description: string;
  body_markdown: string;
  variant_x: string;
  variant_linkedin: string;
  variant_email_subject: string;
  variant_email_body: string;
}

/**
 * The fields an approver may edit (body, title, variants). The body is edited as `draft`, the
 * field every channel's edit form shows as the proposal's text (Slack's modal: multi-line).
 */
export const EDITABLE = ['title', 'draft', 'meta_description', 'variant_x', 'variant_linkedin', 'variant_email_subject', 'variant_email_body'];

/** Slack's edit modal holds 2,900 characters of the draft: a body cut there by the form is not an edit. */
const FORM_LIMIT = 2900;
const cutByForm = (edit: string, body: string) => body.length > FORM_LIMIT && edit.length <= FORM_LIMIT && body.startsWith(edit.replace(/\s+$/, ''));

export function flatten(piece: Pick<Piece, 'title' | 'slug' | 'meta_description' | 'body_markdown' | 'variants'>): ApprovedContent {
  return {
    title: piece.title,
    slug: piece.slug,
    meta_description: piece.meta_description,
    body_markdown: piece.body_markdown,
    variant_x: piece.variants.x ?? '',
    variant_linkedin: piece.variants.linkedin ?? '',
    variant_email_subject: piece.variants.email?.subject ?? '',
    variant_email_body: piece.variants.email?.body ?? '',
  };
}

export function variantsOf(c: ApprovedContent): Partial<Variants> {
  return {
    ...(c.variant_x ? { x: c.variant_x } : {}),
    ...(c.variant_linkedin ? { linkedin: c.variant_linkedin } : {}),
    ...(c.variant_email_subject || c.variant_email_body ? { email: { subject: c.variant_email_subject, body: c.variant_email_body } } : {}),
  };
}

/** Picks the content fields out of an approval's parameters and edits (strings only; an edited `draft` is the body). */
export function approvedContent(params: Record<string, unknown>): ApprovedContent {
  const s = (k: keyof ApprovedContent) => (typeof params[k] === 'string' ? (params[k] as string) : '');
  const draft = typeof params.draft === 'string' && params.draft.trim() && !cutByForm(params.draft, s('body_markdown')) ? params.draft : null;
  return { title: s('title'), slug: s('slug'), meta_description: s('meta_description'), body_markdown: draft ?? s('body_markdown'), variant_x: s('variant_x'), variant_linkedin: s('variant_linkedin'), variant_email_subject: s('variant_email_subject'), variant_email_body: s('variant_email_body') };
}

export function contentHash(c: ApprovedContent): string {
  const ordered = Object.fromEntries(Object.keys(c).sort().map((k) => [k, c[k as keyof ApprovedContent].replace(/\r\n/g, '\n')]));
  return crypto.createHash('sha256').update(JSON.stringify(ordered)).digest('hex');
}
