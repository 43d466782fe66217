/**
 * The default CMS: one Markdown file with YAML front matter per post under `<data dir>/site/`
 * (`content/posts/<slug>.md`), which Hugo, Eleventy, Astro or Jekyll can build. A scheduled
 * post is written with `draft: false` and its future `date`; static generators leave future
 * posts out until they are due (Hugo's default, Eleventy/Astro by a filter on `date`).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NonRetriableError } from '../../../errors.ts';
import type { CmsAdapter, CmsPost, CmsResult } from './types.ts';

export function folderCms(siteDir: string, publicUrl?: string): CmsAdapter {
  const postsDir = path.join(siteDir, 'content', 'posts');
  const result = (post: CmsPost, file: string, created: boolean): CmsResult => {
    const future = post.publish_at !== null && new Date(post.publish_at).getTime() > Date.now();
    return {
      cms: 'folder',
      remote_id: path.relative(siteDir, file),
      url: publicUrl ? `${publicUrl.replace(/\/$/, '')}/posts/${post.slug}/` : `file://${file}`,
      status: future ? 'scheduled' : 'published',
      remote_status: future ? 'future' : 'published',
      created,
    };
  };
  return {
    name: 'folder',
    async publish(post) {
      fs.mkdirSync(postsDir, { recursive: true });
      const file = path.join(postsDir, `${post.slug}.md`);
      const edit = fs.existsSync(file);
      if (edit) {
        const existing = fs.readFileSync(file, 'utf8');
        // The same approved content: already published. Another version of ours is an edit; a file without our hash is someone else's.
        if (existing.includes(`content_hash: ${post.content_hash}`)) return result(post, file, false);
        if (!/^content_hash: [0-9a-f]{64}$/m.test(existing)) throw new NonRetriableError(`${file} already holds a post Mailroom did not write, with the slug "${post.slug}"; choose another slug when approving`);
      }
      const front = { title: post.title, slug: post.slug, description: post.meta_description, date: post.publish_at ?? new Date().toISOString(), draft: false, content_hash: post.content_hash };
      const text = `---\n${YAML.stringify(front).trim()}\n---\n\n${post.body_markdown.trim()}\n`;
      // Written whole, then renamed: a crash never leaves half a post for the generator to build.
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, file);
      return result(post, file, !edit);
    },
  };
}
