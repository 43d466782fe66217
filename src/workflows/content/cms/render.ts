/** Markdown to HTML for CMSs that store HTML (WordPress, Ghost): markdown-it, footnotes for citations, no raw HTML passed through. */
import MarkdownIt from 'markdown-it';
import footnote from 'markdown-it-footnote';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false }).use(footnote);

export const renderHtml = (markdown: string): string => md.render(markdown);

/** A marker the adapters leave in a post they made, with the approved content's hash. */
export const marker = (hash: string): string => `<!-- mailroom:content_hash=${hash} -->`;
export const markerHash = (text: string | null | undefined): string | null => /<!-- mailroom:content_hash=([0-9a-f]{64}) -->/.exec(text ?? '')?.[1] ?? null;
