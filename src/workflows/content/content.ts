/**
 * The content workflow: from a brief (Slack, the API, the CLI, a schedule or the content
 * calendar) to a published post and scheduled social variants, with a person in between.
 *
 *   research ──nothing relevant──► abstained (the requester is told what is missing)
 *      │ snippets stored (source id, span, hashes)
 *      ▼
 *   draft (model, or extractive offline) ─► checks (code) ─► [model review + ≤2 revisions]
 *      ▼
 *   approval ──rejected/expired──► not published
 *      │ approved (edits applied; hash of exactly what was approved)
 *      ▼
 *   publish (gate: approved hash) ─► scheduled|published ─► sleep until publish_at ─► social posts
 */
import { askForApproval } from '../../approvals/ask.ts';
import { defineWorkflow } from '../../engine/define.ts';
import type { StepApi } from '../../engine/types.ts';
import { errorMessage, NonRetriableError } from '../../errors.ts';
import { detectLanguage } from '../../llm/offline/language.ts';
import { resolveIdentities } from '../../policy/load.ts';
import { approvalDeps, reportProgress, type WorkflowServices } from '../ports.ts';
import { contentInputSchema, keyphraseOf, type ContentInput } from './brief.ts';
import { runChecks, type Checks, type Piece } from './checks/index.ts';
import { measureName } from './checks/readability.ts';
import { extractiveDraft } from './draft-offline.ts';
import { pieceFromModel, type ContentModel, type DraftContext } from './model.ts';
import { approvedContent, contentHash, EDITABLE, flatten, variantsOf, type ApprovedContent } from './hash.ts';
import { selectSnippets } from './research.ts';
import { contentPorts } from './services.ts';
import { searchSources, snippetsWithSources, storeSnippets, topicTerms, upsertDocuments, wordStems, type StoredSnippet } from './sources.ts';
import { savePiece, type PieceStatus } from './store.ts';
import { withUrl } from './variants.ts';

export interface ContentOutput {
  status: PieceStatus;
  title: string | null;
  slug: string | null;
  content_hash: string | null;
  drafted_by: 'extractive' | 'model' | null;
  missing: string[];
  remote: { cms: string; id: string; url: string | null; status: string } | null;
  social: Array<{ channel: string; id: string; status: string }>;
  reason: string | null;
}

/** The draft's language by its words, when the brief does not say; English when unsure. */
function pieceLanguage(piece: Piece): string {
  const guess = detectLanguage(`${piece.title}\n${piece.body_markdown.slice(0, 20_000)}`);
  return guess.confidence >= 0.6 ? guess.language : 'en';
}

/** Runs every check on a piece against the run's stored snippets (re-read, with their hashes). */
async function check(s: WorkflowServices, runId: string, piece: Piece, keyphrase: string, input: ContentInput): Promise<Checks> {
  const sources = await snippetsWithSources(s.pool, runId);
  const measured = { ...piece, variants: { ...piece.variants, ...(piece.variants.x !== undefined ? { x: withUrl(piece.variants.x, null) } : {}), ...(piece.variants.linkedin !== undefined ? { linkedin: withUrl(piece.variants.linkedin, null) } : {}) } };
  return runChecks(measured, { keyphrase, sources, brand: contentPorts(s).brand, policy: s.policy.content, blog: input.channels.includes('blog'), language: input.language ?? pieceLanguage(piece) });
}

const pieceOf = (c: ApprovedContent, outline: string[]): Piece => ({ title: c.title, slug: c.slug, meta_description: c.meta_description, body_markdown: c.body_markdown, outline, variants: variantsOf(c) });

/** What the approver sees beside the draft: the brief, the checks with their scores, the unsupported claims, the variants, the sources. */
function approvalFields(brief: Omit<ContentInput, 'requester' | 'calendar_entry'>, checks: Checks, piece: Piece, snippets: readonly StoredSnippet[]): Record<string, string | number> {
  const v = piece.variants;
  return {
    brief: [brief.topic, brief.keyphrase && `keyphrase: ${brief.keyphrase}`, `channels: ${brief.channels.join(', ')}`, brief.publish_at && `publish at ${brief.publish_at}`].filter(Boolean).join(' · '),
    citations: `${checks.citations.verified}/${checks.citations.total} verified${checks.citations.failures.length ? `; ${checks.citations.failures.map((f) => `${f.id}: ${f.reason}`).join('; ')}` : ''}`.slice(0, 1500),
    unsupported: checks.citations.unsupported.length ? checks.citations.unsupported.map((x) => `"${x}"`).join(' ').slice(0, 1500) : 'none',
    seo: `${checks.seo.score}/100${checks.seo.failures.length ? `: ${checks.seo.failures.join('; ')}` : ''}`,
    readability: checks.readability.score === null ? `not measured for this language (${checks.readability.language})` : `${measureName(checks.readability.measure)} ${checks.readability.score} (${checks.readability.language})${checks.readability.failures.length ? ' (below the minimum)' : ''}`,
    brand: checks.brand.passed ? `ok${checks.brand.preferred_used.length ? ` (uses ${checks.brand.preferred_used.join(', ')})` : ''}` : checks.brand.failures.join('; '),
    ...(v.x !== undefined ? { variant_x: `${v.x} (${checks.platform.x?.weighted_length ?? '?'}/${checks.platform.x?.max ?? 280})` } : {}),
    ...(v.linkedin !== undefined ? { variant_linkedin: v.linkedin.slice(0, 1500) } : {}),
    ...(v.email ? { variant_email: `${v.email.subject} (${checks.platform.email?.subject_length ?? '?'} chars): ${v.email.body.slice(0, 800)}` } : {}),
    sources: snippets.map((x) => `[${x.id}] ${x.title}`).join('; ').slice(0, 1500),
  };
}

/** The piece's own columns of the approved content (the variants are stored whole). */
const columns = (c: ApprovedContent) => ({ title: c.title, slug: c.slug, meta_description: c.meta_description, body_markdown: c.body_markdown });

/** The body as a CMS shows it under its own title: without the H1. */
const withoutH1 = (markdown: string) => markdown.replace(/^#\s+.*\n+/, '');

/**
 * Model draft, then the bounded loop: checks (code) and the model's review; what either found is
 * revised, at most `max_revisions` times. Whatever still fails goes to the approver, marked. A
 * model that cannot be reached leaves the extractive draft, said so.
 */
async function draftWithModel(step: StepApi, s: WorkflowServices, model: ContentModel, dctx: DraftContext, keyphrase: string, input: ContentInput, runId: string): Promise<{ drafted: { piece: Piece; by: 'extractive' | 'model' }; checks: Checks; unresolved: string[] }> {
  const policy = s.policy.content;
  const first = await model.draft(step, dctx).catch((err: unknown) => errorMessage(err));
  if (first === null || typeof first === 'string') {
    const why = typeof first === 'string' ? first : 'no valid answer within the budget';
    const piece = await step.run('draft', () => extractiveDraft(dctx.brief, keyphrase, dctx.snippets, policy));
    await step.decide({ action: 'content.model_failed', reasoning: `the model could not draft (${why}); an extractive draft was assembled instead` });
    const checks = await step.run('checks', () => check(s, runId, piece, keyphrase, input));
    return { drafted: { piece, by: 'extractive' }, checks, unresolved: [] };
  }
  let piece = pieceFromModel(first, dctx);
  for (let round = 0; ; round++) {
    const checks = await step.run(`checks:${round}`, () => check(s, runId, piece, keyphrase, input));
    const review = await model.review(step, { ...dctx, piece }, round);
    const issues = review ? review.issues.map((i) => `${i.kind}: "${i.sentence}" ${i.problem}`) : ['the model could not review this draft'];
    const problems = [...checks.failures, ...(review ? issues : [])];
    if (!problems.length || round >= policy.max_revisions) return { drafted: { piece, by: 'model' }, checks, unresolved: issues };
    const revised = await model.revise(step, { ...dctx, piece, problems }, round + 1);
    if (!revised) return { drafted: { piece, by: 'model' }, checks, unresolved: [...issues, 'the model could not revise this draft'] };
    piece = pieceFromModel(revised, dctx);
  }
}

export const contentWorkflow = defineWorkflow({
  name: 'content',
  version: 1,
  input: contentInputSchema,
  maxSteps: 60,
  // A piece may be scheduled months ahead; its social posts wait for it.
  maxDurationMs: 400 * 86_400_000,
  async run(input, step, ctx): Promise<ContentOutput> {
    const s = ctx.services as WorkflowServices;
    const policy = s.policy.content;
    const ports = contentPorts(s);
    const keyphrase = keyphraseOf(input);
    const { requester, calendar_entry: _entry, ...brief } = input;
    const none = { title: null, slug: null, content_hash: null, drafted_by: null, missing: [], remote: null, social: [], reason: null } satisfies Omit<ContentOutput, 'status'>;

    // With a web search configured, its result pages join the sources first (stored with their
    // URL and hash like an imported document); a search that fails leaves research local.
    const web = ports.webSearch;
    if (web && policy.research.web_results > 0) {
      const found = await step.run('web-search', async ({ signal }) => {
        try {
          const results = await web.search(input.topic, { limit: policy.research.web_results, signal });
          await upsertDocuments(s.pool, results.map((r) => ({ id: r.url, title: r.title, kind: 'html' as const, source_path: r.url, body: r.text })));
          return { urls: results.map((r) => r.url), error: null };
        } catch (err) {
          return { urls: [] as string[], error: errorMessage(err) };
        }
      });
      await step.decide({
        action: 'content.web_search',
        parameters: { adapter: web.name, pages: found.urls, error: found.error },
        reasoning: found.error ? `the web search failed (${found.error}): research uses the local sources only` : `${found.urls.length} page(s) from ${web.name} read and stored as sources before research`,
      });
    }

    // Research: every snippet the piece may cite is stored (span, hashes) before anything is drafted.
    const research = await step.run('research', async () => {
      const stems = await topicTerms(s.pool, input.topic);
      const hits = await searchSources(s.pool, input.topic, 20);
      const found = selectSnippets(hits, stems, policy.research);
      const sources = new Set(found.snippets.map((x) => `${x.source_kind}:${x.source_id}`));
      if (sources.size >= policy.research.min_sources) await storeSnippets(s.pool, ctx.runId, found.snippets);
      return { ...found, stems, words: await wordStems(s.pool, input.topic), enough: sources.size >= policy.research.min_sources && found.snippets.length > 0 };
    });
    if (!research.enough) {
      // Reported as the requester wrote them, not as stems.
      const stems = research.missing.length ? research.missing : research.stems;
      const missing = research.words.filter((w) => w.stems.some((st) => stems.includes(st))).map((w) => w.word);
      const reason = `No imported document or knowledge-base article covers "${input.topic}"${missing.length ? ` (nothing found on: ${missing.join(', ')})` : ''}. Import sources with \`mailroom data import docs <folder>\` or add knowledge-base articles, then ask again. Nothing was written from the model's memory.`;
      await step.run('abstain', () => savePiece(s.pool, ctx.runId, 'abstained', brief, { checks: { missing, relevant: research.relevant } }));
      await step.decide({ action: 'content.abstained', parameters: { missing, relevant: research.relevant.length, web_search: ports.webSearch?.name ?? null }, reasoning: reason });
      await reportProgress(step, s, 'abstained', reason);
      return { ...none, status: 'abstained', missing, reason };
    }
    await step.decide({
      action: 'content.research',
      parameters: { snippets: research.snippets.length, sources: research.relevant.map((r) => `${r.kind}:${r.id}`), web_search: ports.webSearch?.name ?? null },
      reasoning: `${research.snippets.length} snippets from ${research.relevant.length} source(s) stored before drafting${ports.webSearch ? '' : '; no web search configured (local only)'}`,
    });

    // Draft. Without a model the piece is extractive: the sources' own sentences, cited.
    const snippets: StoredSnippet[] = research.snippets;
    const dctx = { brief, keyphrase, brand: ports.brand, snippets };
    const model = ports.model;
    let drafted: { piece: Piece; by: 'extractive' | 'model' };
    let checks: Checks;
    let unresolved: string[] = [];
    if (model) {
      ({ drafted, checks, unresolved } = await draftWithModel(step, s, model, dctx, keyphrase, input, ctx.runId));
    } else {
      drafted = await step.run('draft', () => ({ piece: extractiveDraft(brief, keyphrase, snippets, policy), by: 'extractive' as const }));
      checks = await step.run('checks', () => check(s, ctx.runId, drafted.piece, keyphrase, input));
      await step.decide({ action: 'content.review', reasoning: 'no model configured: an extractive draft, reviewed by the deterministic checks only' });
    }
    await step.decide({
      action: 'content.checks',
      parameters: { passed: checks.passed, citations: { total: checks.citations.total, verified: checks.citations.verified, unsupported: checks.citations.unsupported.length }, seo: checks.seo.score, flesch: checks.readability.score },
      reasoning: checks.failures.length ? checks.failures.join('; ') : 'every check passed',
    });

    const piece = drafted.piece;
    const proposed = flatten(piece);
    const hash = contentHash(proposed);
    await step.run('save-draft', () => savePiece(s.pool, ctx.runId, 'awaiting_approval', brief, { ...columns(proposed), variants: piece.variants, checks, drafted_by: drafted.by, content_hash: hash, publish_at: input.publish_at ? new Date(input.publish_at) : null }));
    await reportProgress(step, s, 'drafted', `Drafted "${piece.title}" (${drafted.by}); ${checks.failures.length ? `${checks.failures.length} check(s) failed` : 'all checks passed'}. Waiting for approval.`);

    const where = input.channels.includes('blog') ? `publish to ${ports.cms.name}${input.publish_at ? ` for ${input.publish_at}` : ' on approval'}` : 'no blog post';
    const social = input.channels.filter((c) => c !== 'blog');
    const decision = await askForApproval(step, approvalDeps(s), {
      key: 'content',
      kind: 'content.approval',
      title: `Publish "${piece.title}"`,
      request: {
        summary: { from: requester?.identity ?? requester?.email ?? undefined, subject: input.topic, channel: 'content', excerpt: piece.meta_description },
        proposal: {
          type: 'other',
          description: `${where}${social.length ? `; schedule ${social.join(', ')}` : ''}`,
          draft: piece.body_markdown,
          parameters: { ...proposed, content_hash: hash, publish_at: input.publish_at ?? null, channels: input.channels.join(',') },
        },
        reasoning: drafted.by === 'extractive' ? 'extractive draft assembled from the stored sources (no model configured)' : 'drafted by the model from the stored sources',
        confidence: checks.passed ? 0.8 : 0.5,
        reasons: [...(drafted.by === 'extractive' ? ['extractive draft: quoted from the sources, not written by a model'] : []), ...checks.failures, ...unresolved.map((u) => `model review (unresolved): ${u}`), ...checks.warnings],
        // Flat values: every channel shows them as they are (Slack's card shows no nested objects).
        fields: approvalFields(brief, checks, piece, snippets),
        editable: EDITABLE,
      },
      approvers: resolveIdentities(s.policy, policy.approvers ?? s.policy.approvers),
      requester: requester ?? null,
      remindAfterMs: s.policy.approval.remind_after,
      expireAfterMs: s.policy.approval.expire_after,
    });
    if (decision.outcome !== 'approved') {
      await step.run('not-approved', () => savePiece(s.pool, ctx.runId, decision.outcome as 'rejected' | 'expired', brief, { approval_id: decision.approvalId }));
      await reportProgress(step, s, 'not-approved', `Not published: the approval was ${decision.outcome}.`);
      return { ...none, status: decision.outcome, title: piece.title, slug: piece.slug, content_hash: hash, drafted_by: drafted.by, reason: decision.note };
    }

    // Exactly what the approver saw, with their edits: its hash is what the gate lets through.
    const final = approvedContent({ ...proposed, ...(decision.edits ?? {}) });
    if (!final.title.trim() || !final.body_markdown.trim() || !final.slug) throw new NonRetriableError('approved without a title, body or slug: edit them when approving');
    const finalHash = contentHash(final);
    const finalPiece = pieceOf(final, piece.outline);
    const finalChecks = finalHash === hash ? checks : await step.run('checks:approved', () => check(s, ctx.runId, finalPiece, keyphrase, input));
    await step.run('save-approved', () => savePiece(s.pool, ctx.runId, 'awaiting_approval', brief, { ...columns(final), variants: finalPiece.variants, checks: finalChecks, content_hash: finalHash, approval_id: decision.approvalId }));

    let remote: ContentOutput['remote'] = null;
    let status: PieceStatus = 'published';
    if (input.channels.includes('blog')) {
      const published = await step.action(
        'publish',
        (c) => ports.cms.publish({ slug: final.slug, title: final.title, meta_description: final.meta_description, body_markdown: withoutH1(final.body_markdown), publish_at: input.publish_at ?? null, content_hash: finalHash }, { signal: c.signal }),
        // Repeatable: every adapter finds a post it already made by its slug instead of making another.
        { kind: 'content.publish', parameters: { content_hash: finalHash, slug: final.slug }, repeatable: true },
      );
      status = published.status;
      remote = { cms: published.cms, id: published.remote_id, url: published.url, status: published.remote_status };
      await step.run('save-published', () => savePiece(s.pool, ctx.runId, published.status, brief, { cms: published.cms, remote_id: published.remote_id, remote_url: published.url, remote_status: published.remote_status, published_at: published.status === 'published' ? new Date() : null }));
      await step.decide({ action: `content.${published.status}`, parameters: { cms: published.cms, remote_id: published.remote_id, url: published.url, remote_status: published.remote_status, created: published.created }, reasoning: `approved by ${decision.approvers.join(', ')}` });
      await reportProgress(step, s, 'published', `${published.status === 'scheduled' ? `Scheduled for ${input.publish_at}` : 'Published'}: ${published.url ?? published.remote_id}`);
    } else {
      await step.run('save-published', () => savePiece(s.pool, ctx.runId, input.publish_at && new Date(input.publish_at).getTime() > Date.now() ? 'scheduled' : 'published', brief, {}));
    }

    // Social variants wait (durably, no worker held) for the post's time, then go to the social adapter.
    const posts: ContentOutput['social'] = [];
    const variants = finalPiece.variants;
    const wanted = social.filter((c) => (c === 'email' ? variants.email : variants[c]));
    if (wanted.length) {
      const at = input.publish_at ? new Date(input.publish_at) : null;
      if (at && at.getTime() > Date.now()) await step.sleep(at, 'until-publish-time');
      for (const channel of wanted) {
        const text = channel === 'email' ? variants.email!.body : variants[channel]!;
        const posted = await step.action(
          `social:${channel}`,
          () => ports.social.post({ runId: ctx.runId, channel, subject: channel === 'email' ? variants.email!.subject : null, body: withUrl(text, remote?.url ?? null), link: remote?.url ?? null, scheduledFor: at ?? new Date(), contentHash: finalHash, idempotencyKey: `${ctx.runId}:${channel}:${finalHash}` }),
          { kind: 'social.post', parameters: { content_hash: finalHash, channel }, repeatable: true },
        );
        posts.push({ channel, id: posted.id, status: posted.status });
      }
      if (status === 'scheduled') {
        status = 'published';
        await step.run('save-live', () => savePiece(s.pool, ctx.runId, 'published', brief, { published_at: new Date() }));
      }
    }
    return { status, title: final.title, slug: final.slug, content_hash: finalHash, drafted_by: drafted.by, missing: [], remote, social: posts, reason: null };
  },
});
