/**
 * The brand file (`MAILROOM_BRAND`, Markdown): sections `## Voice`, `## Audience`,
 * `## Preferred terms` and `## Banned terms`. A preferred term may name what it replaces:
 * `- customer (not: user, client)`. Without a file the brand is neutral: no lexicon rules.
 *
 *     # Acme brand
 *     ## Voice
 *     Plain, warm, specific. Short sentences.
 *     ## Audience
 *     Operations leads at companies of 50-500 people.
 *     ## Preferred terms
 *     - customer (not: user, client)
 *     ## Banned terms
 *     - synergy
 */
import fs from 'node:fs';
import { ConfigError } from '../../errors.ts';

export interface Brand {
  name: string | null;
  voice: string;
  audience: string;
  preferred: Array<{ term: string; instead_of: string[] }>;
  banned: string[];
  /** Where it was read from (null: the neutral default). */
  file: string | null;
}

export const neutralBrand: Brand = { name: null, voice: 'Plain, clear and specific.', audience: '', preferred: [], banned: [], file: null };

const listItems = (text: string): string[] =>
  text.split('\n').map((l) => /^\s*[-*+]\s+(.+)$/.exec(l)?.[1]?.trim()).filter((x): x is string => Boolean(x));

const unquote = (s: string) => s.trim().replace(/^["'“”‘’`]+|["'“”‘’`]+$/g, '').trim();

export function parseBrand(markdown: string, file: string | null = null): Brand {
  const sections = new Map<string, string>();
  let name: string | null = null;
  let current: string | null = null;
  for (const line of markdown.split('\n')) {
    const h1 = /^#\s+(.+)$/.exec(line);
    if (h1 && !name) name = h1[1]!.trim();
    const h2 = /^##\s+(.+)$/.exec(line);
    if (h2) {
      current = h2[1]!.trim().toLowerCase();
      sections.set(current, '');
      continue;
    }
    if (current) sections.set(current, `${sections.get(current)}${line}\n`);
  }
  const find = (...names: string[]) => [...sections.entries()].find(([k]) => names.some((n) => k.startsWith(n)))?.[1] ?? '';
  const preferred = listItems(find('preferred', 'use')).map((item) => {
    const m = /^(.*?)\s*\((?:not|instead of)\s*:?\s*(.+)\)\s*$/i.exec(item);
    return m ? { term: unquote(m[1]!), instead_of: m[2]!.split(/,|\bor\b/).map(unquote).filter(Boolean) } : { term: unquote(item), instead_of: [] };
  }).filter((p) => p.term);
  return {
    name,
    voice: find('voice', 'tone').trim() || neutralBrand.voice,
    audience: find('audience').trim(),
    preferred,
    banned: listItems(find('banned', 'avoid', "don't", 'do not')).map(unquote).filter(Boolean),
    file,
  };
}

/** Reads the brand file; a configured file that cannot be read stops start-up, naming it. */
export function loadBrand(file: string | undefined): Brand {
  if (!file) return neutralBrand;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`MAILROOM_BRAND: cannot read ${file} (${(err as Error).message}); point it at a Markdown file with ## Voice, ## Audience, ## Preferred terms and ## Banned terms`);
  }
  return parseBrand(text, file);
}
