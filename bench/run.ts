/**
 * `npm run bench -- <name> [--json] [--quick]`: runs one benchmark (or all with no name) and
 * prints a table of Mailroom beside its baseline, measured in the same run. With --json the last
 * line is one JSON object with the benchmark's flat keys.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchResult } from './types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'types.ts'].includes(f) && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const chosen = names.length ? names : available;
for (const n of chosen) {
  if (!available.includes(n)) {
    console.error(`unknown benchmark "${n}"; available: ${available.join(', ')}`);
    process.exit(2);
  }
}

function table(result: BenchResult): string {
  const fmt = (v: number | null) => (v === null || Number.isNaN(v) ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(2));
  const rows = result.rows.map((r) => [r.metric, fmt(r.mailroom), fmt(r.baseline), r.ratio === null ? '—' : `${fmt(r.ratio)}×`, r.unit]);
  const head = ['metric', 'mailroom', 'baseline', 'ratio', 'unit'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [`## ${result.title}`, line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const merged: Record<string, number> = {};
for (const name of chosen) {
  const mod = (await import(path.join(here, `${name}.ts`))) as { bench: Bench };
  const result = await mod.bench({ quick });
  Object.assign(merged, result.json);
  console.log(`${table(result)}\n`);
}
if (json) console.log(JSON.stringify(merged));
process.exit(0);
