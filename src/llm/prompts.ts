/**
 * Prompt files in prompts/: one per task, YAML front matter (task, model tier, token limit) and the stable instructions as the body. Loaded and validated once at start, so a
 * broken prompt file stops start-up instead of failing the first run that needs it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';

const PROMPTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'prompts');

const frontMatter = z.object({
  task: z.string().min(1),
  tier: z.enum(['fast', 'strong']),
  max_tokens: z.number().int().min(16).max(64_000),
  description: z.string().default(''),
});

export type PromptFile = z.infer<typeof frontMatter> & { body: string; file: string };

/**
 * `vars` fill `{{name}}` placeholders (the triage prompt's `{{routes}}` comes from the registered
 * workflows); a placeholder left unfilled is kept as written.
 */
export function loadPrompts(dir = PROMPTS_DIR, vars: Record<string, string> = {}): Map<string, PromptFile> {
  const out = new Map<string, PromptFile>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.md'))) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
    if (!m) throw new ConfigError(`prompts/${file}: missing YAML front matter`);
    const parsed = frontMatter.safeParse(YAML.parse(m[1]!));
    if (!parsed.success) throw new ConfigError(`prompts/${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const body = m[2]!.trim().replace(/\{\{(\w+)\}\}/g, (whole, name: string) => vars[name] ?? whole);
    out.set(parsed.data.task, { ...parsed.data, body, file });
  }
  return out;
}

/** Wraps outside text as delimited data; anything that looks like our delimiters is neutralised. */
export function untrusted(tag: string, attributes: Record<string, string>, content: string): string {
  // The block's own tag too, so data cannot close its block and speak as instructions.
  const tags = ['untrusted_item', 'kb_article', tag.replace(/[^\w-]/g, '')].join('|');
  const safe = content.replace(new RegExp(`<\\/?\\s*(${tags})[^>]*>`, 'gi'), (t) => t.replace(/</g, '‹').replace(/>/g, '›'));
  const attrs = Object.entries(attributes).map(([k, v]) => ` ${k}="${v.replace(/["<>]/g, '')}"`).join('');
  return `<${tag}${attrs}>\n${safe}\n</${tag}>`;
}
