/**
 * One interface for every CMS. `publish` is idempotent by slug: it first looks for a post it
 * already made (a crash after the CMS answered but before the ledger recorded it finds the post
 * instead of making a second), and it reads the status back, since a CMS may publish at once
 * what was asked to wait (WordPress publishes a `future` post due within a minute).
 */
export interface CmsPost {
  slug: string;
  title: string;
  meta_description: string;
  /** The body without its H1 (the CMS shows the title). */
  body_markdown: string;
  /** ISO 8601; null publishes now. */
  publish_at: string | null;
  /** The approved content's hash, kept with the post where the CMS allows. */
  content_hash: string;
}

export interface CmsResult {
  cms: string;
  remote_id: string;
  url: string | null;
  /** As the CMS reports it after the call. */
  status: 'published' | 'scheduled';
  remote_status: string;
  /** False when the post already existed (found by slug): nothing was created. */
  created: boolean;
}

export interface CmsAdapter {
  readonly name: 'folder' | 'wordpress' | 'ghost';
  publish(post: CmsPost, options?: { signal?: AbortSignal }): Promise<CmsResult>;
}
