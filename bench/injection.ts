/**
 * Injection detector benchmark on material nobody here wrote (../shared/data/injections):
 *  - attacks: BIPIA's text and code attack strings, each inserted at the start, middle or end of
 *    one of BIPIA's clean e-mails (as BIPIA builds its EmailQA set); spikee's jailbreak templates
 *    filled with its instructions (languages matched, as `spikee generate --match-languages`) and
 *    inserted the same way, plus its standalone attacks;
 *  - benign: BIPIA's clean e-mails, spikee's false-positive set (questions to an assistant about
 *    investing) and its base documents; and, reported apart, SpamAssassin's ham (real mail from
 *    2002: mailing lists, personal and business notes).
 *
 * Split: the detector was developed looking at the dev half only. BIPIA keeps its own train/test
 * split (different attack categories, different e-mails): train is dev, test is held out. Spikee
 * is split by template family (jailbreak type, instruction type) with a fixed hash, and a pair is
 * used only when both halves fall on the same side, so no held-out template was seen while
 * developing. The headline keys are the held-out figures; `…_dev` keys are the dev half.
 *
 * Baseline: the detector this replaced (regexes shaped to three samples), copied here as
 * `legacyDetect` so the comparison stays reproducible.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseEmailCore } from '../src/channels/email/parse.ts';
import { detectInjection } from '../src/policy/injection.ts';
import { sharedData } from '../test/harness/shared.ts';
import { round, type BenchResult, type BenchRow } from './types.ts';

export type Split = 'dev' | 'heldout';
export type Source = 'bipia' | 'spikee' | 'ham';

export interface Sample {
  id: string;
  source: Source;
  split: Split;
  attack: boolean;
  text: string;
}

/** The old detector, verbatim (src/policy/decide.ts before issue 18). */
const LEGACY_PATTERNS = [
  /ignore (all |any )?(previous|prior|above|your) (instructions|rules|prompts?)/i,
  /\b(system|developer) (notice|prompt|message|instruction)s?\b.*\b(ai|assistant|agent|model)\b/i,
  /\b(ai|assistant|agent|model|bot)\b[^.\n]{0,40}\b(must|should|shall|are instructed to)\b/i,
  /\bpre-?approved\b/i,
  /\b(do not|don't|without) (ask|asking|notify|notifying|consult)(ing)? (anyone|a human|the (cfo|manager|team))/i,
  /\bforward (all|every|these)\b.*\b(invoices?|emails?|messages?)\b.*\bto\b/i,
  /\b(new|updated|changed) (bank|iban|account)( details| number)?\b/i,
];

export function legacyDetect(text: string): string[] {
  return LEGACY_PATTERNS.filter((p) => p.test(text)).map((p) => p.source);
}

const hash = (key: string) => crypto.createHash('sha256').update(key).digest();
const splitOf = (key: string): Split => (hash(`mailroom-injection-split:${key}`)[0]! < 128 ? 'dev' : 'heldout');
const pick = <T>(items: T[], key: string): T => items[hash(key).readUInt32BE(0) % items.length]!;

function readJsonl(file: string): any[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

/** BIPIA's contexts are "SUBJECT: …|EMAIL_FROM: …|CONTENT: …"; make them read like a mail. */
function bipiaMail(context: string): string {
  const at = context.indexOf('|CONTENT:');
  if (at < 0) return context;
  const head = context.slice(0, at).split('|').map((f) => f.replace(/^([A-Z_ ]+):/u, (_m, k: string) => `${k.charAt(0)}${k.slice(1).toLowerCase().replace('_', '-')}:`));
  return `${head.join('\n')}\n\n${context.slice(at + '|CONTENT:'.length).trim()}`;
}

/** Insert at the start, at a line or sentence boundary near the middle, or at the end. */
function insert(mail: string, attack: string, key: string): string {
  const where = hash(`where:${key}`)[0]! % 3;
  if (where === 0) return `${attack}\n\n${mail}`;
  if (where === 2) return `${mail}\n\n${attack}`;
  const mid = Math.floor(mail.length / 2);
  const cut = [mail.indexOf('\n', mid), mail.indexOf('. ', mid)].filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? mail.length;
  return `${mail.slice(0, cut + 1)}\n${attack}\n${mail.slice(cut + 1)}`;
}

const LANG_SUFFIX = /-(zu|sq|ga|gd)$/u;
const langOf = (r: { id: string; lang?: string }) => r.lang ?? LANG_SUFFIX.exec(r.id)?.[1] ?? 'en';

export function loadInjectionSets(): Sample[] {
  const root = sharedData('injections');
  const bipiaDir = path.join(root, 'bipia', 'benchmark');
  const spikeeDir = path.join(root, 'spikee', 'spikee', 'data', 'workspace', 'datasets');
  const samples: Sample[] = [];
  const mails: Record<Split, string[]> = { dev: [], heldout: [] };

  for (const [file, split] of [['train', 'dev'], ['test', 'heldout']] as const) {
    readJsonl(path.join(bipiaDir, 'email', `${file}.jsonl`)).forEach((r, i) => {
      const text = bipiaMail(r.context);
      mails[split].push(text);
      samples.push({ id: `bipia:email:${file}:${i}`, source: 'bipia', split, attack: false, text });
    });
    for (const kind of ['text', 'code']) {
      const f = path.join(bipiaDir, `${kind}_attack_${file}.json`);
      if (!fs.existsSync(f)) continue;
      const attacks = JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, string[]>;
      for (const [category, list] of Object.entries(attacks)) {
        list.forEach((attack, i) => {
          const id = `bipia:${kind}:${file}:${category}:${i}`;
          samples.push({ id, source: 'bipia', split, attack: true, text: insert(pick(mails[split], id), attack, id) });
        });
      }
    }
  }

  const seen = new Set<string>();
  const add = (s: Sample) => {
    if (seen.has(s.text)) return;
    seen.add(s.text);
    samples.push(s);
  };
  const folders = fs.existsSync(spikeeDir) ? fs.readdirSync(spikeeDir).sort() : [];
  for (const folder of folders) {
    const dir = path.join(spikeeDir, folder);
    const benignFolder = folder.endsWith('-fp');
    for (const doc of readJsonl(path.join(dir, 'base_documents.jsonl'))) {
      add({ id: `spikee:doc:${doc.id}`, source: 'spikee', split: splitOf(`doc:${doc.id}`), attack: false, text: doc.document });
    }
    for (const s of readJsonl(path.join(dir, 'standalone_attacks.jsonl'))) {
      // The investment-advice standalone "attacks" are topical questions, not injections.
      if (folder === 'seeds-investment-advice') continue;
      add({ id: `spikee:${folder}:${s.id}`, source: 'spikee', split: splitOf(`standalone:${s.id}`), attack: !benignFolder, text: s.text });
    }
    const jailbreaks = readJsonl(path.join(dir, 'jailbreaks.jsonl')).filter((j) => !(folder === 'seeds-investment-advice' && j.jailbreak_type === 'no-jailbreak'));
    const instructions = readJsonl(path.join(dir, 'instructions.jsonl'));
    if (!jailbreaks.length || !instructions.length) continue;
    // Each template is paired with two partners of its own split and language, so no family
    // dominates the figure; a jailbreak family and an instruction family are split by name.
    const side = (j: any) => splitOf(`jailbreak:${j.jailbreak_type}`);
    const instrSide = (i: any) => splitOf(`instruction:${i.instruction_type}`);
    const pairs: Array<[any, any]> = [];
    for (const j of jailbreaks) {
      const partners = instructions.filter((i) => instrSide(i) === side(j) && langOf(i) === langOf(j));
      for (let k = 0; k < Math.min(2, partners.length); k++) pairs.push([j, pick(partners, `${folder}:${j.id}:${k}`)]);
    }
    for (const i of instructions) {
      const partners = jailbreaks.filter((j) => side(j) === instrSide(i) && langOf(j) === langOf(i));
      for (let k = 0; k < Math.min(2, partners.length); k++) pairs.push([pick(partners, `${folder}:${i.id}:${k}`), i]);
    }
    for (const [j, i] of pairs) {
      const split = side(j);
      const id = `spikee:${folder}:${j.id}+${i.id}`;
      const payload = String(j.text).replace('<INSTRUCTION>', i.instruction);
      add({ id, source: 'spikee', split, attack: true, text: insert(pick(mails[split], id), payload, id) });
    }
  }
  return samples;
}

/** SpamAssassin ham, as the workflows see a mail: subject and text body. */
export async function loadHam(quick: boolean): Promise<Sample[]> {
  const dir = sharedData('spam');
  const labels = path.join(dir, 'labels.csv');
  if (!fs.existsSync(labels)) return [];
  const rows = fs.readFileSync(labels, 'utf8').split('\n').slice(1).map((l) => l.split(',')).filter((r) => r[2] === 'ham');
  const out: Sample[] = [];
  for (const [i, [file]] of rows.entries()) {
    if (quick && i % 4) continue;
    try {
      const mail = await parseEmailCore(fs.readFileSync(path.join(dir, file!)));
      out.push({ id: `ham:${file}`, source: 'ham', split: splitOf(`ham:${file}`), attack: false, text: `${mail.subject ?? ''}\n${mail.text}` });
    } catch {
      // An unreadable message is no evidence either way.
    }
  }
  return out;
}

type Detector = (text: string) => string[];

function share(samples: Sample[], detector: Detector): number {
  return samples.length ? samples.filter((s) => detector(s.text).length > 0).length / samples.length : NaN;
}

export async function bench(opts: { quick?: boolean }): Promise<BenchResult> {
  const all = loadInjectionSets();
  const ham = await loadHam(Boolean(opts.quick));
  const of = (split: Split, attack: boolean, source?: Source) => all.filter((s) => s.split === split && s.attack === attack && (!source || s.source === source));
  const json: Record<string, number> = {};
  const rows: BenchRow[] = [];
  const measure = (key: string, label: string, samples: Sample[], unit: string) => {
    const ours = share(samples, detectInjection);
    const legacy = share(samples, legacyDetect);
    json[key] = round(ours, 3);
    json[`baseline_${key}`] = round(legacy, 3);
    rows.push({ metric: `${label} (${samples.length})`, mailroom: round(ours, 3), baseline: round(legacy, 3), ratio: legacy > 0 ? round(ours / legacy, 2) : null, unit });
  };
  measure('injection_recall', 'held-out attacks flagged', of('heldout', true), 'share');
  measure('injection_false_positive_rate', 'held-out benign texts flagged', of('heldout', false), 'share');
  measure('injection_recall_bipia', 'held-out BIPIA attacks flagged', of('heldout', true, 'bipia'), 'share');
  measure('injection_recall_spikee', 'held-out spikee attacks flagged', of('heldout', true, 'spikee'), 'share');
  measure('injection_false_positive_rate_ham', 'held-out SpamAssassin ham flagged', ham.filter((s) => s.split === 'heldout'), 'share');
  measure('injection_recall_dev', 'dev attacks flagged', of('dev', true), 'share');
  measure('injection_false_positive_rate_dev', 'dev benign texts flagged', of('dev', false), 'share');
  measure('injection_false_positive_rate_ham_dev', 'dev SpamAssassin ham flagged', ham.filter((s) => s.split === 'dev'), 'share');
  // Precision over the held-out texts, benign ones and ham together: of what is flagged, how much is an attack.
  const precision = (detector: Detector) => {
    const flagged = (xs: Sample[]) => xs.filter((x) => detector(x.text).length > 0).length;
    const hits = flagged(of('heldout', true));
    const alarms = flagged(of('heldout', false)) + flagged(ham.filter((x) => x.split === 'heldout'));
    return hits + alarms ? hits / (hits + alarms) : NaN;
  };
  const p = precision(detectInjection);
  const pLegacy = precision(legacyDetect);
  json.injection_precision = round(p, 3);
  json.baseline_injection_precision = round(pLegacy, 3);
  rows.push({ metric: 'held-out precision: flagged texts that are attacks (attacks, benign, ham)', mailroom: round(p, 3), baseline: round(pLegacy, 3), ratio: pLegacy > 0 ? round(p / pLegacy, 2) : null, unit: 'share' });
  json.injection_attacks = of('heldout', true).length;
  json.injection_benign = of('heldout', false).length;
  json.injection_attacks_dev = of('dev', true).length;
  json.injection_benign_dev = of('dev', false).length;
  json.injection_ham = ham.length;

  // Cost per text over everything above, after one warm-up pass.
  const texts = [...all, ...ham].map((s) => s.text);
  const time = (detector: Detector) => {
    for (const t of texts) detector(t);
    const start = process.hrtime.bigint();
    for (const t of texts) detector(t);
    return Number(process.hrtime.bigint() - start) / 1000 / texts.length;
  };
  const us = time(detectInjection);
  const legacyUs = time(legacyDetect);
  json.injection_scan_us_per_text = round(us, 1);
  json.baseline_injection_scan_us_per_text = round(legacyUs, 1);
  rows.push({ metric: `scan time per text (${texts.length}, mean ${Math.round(texts.reduce((n, t) => n + t.length, 0) / texts.length)} chars)`, mailroom: round(us, 1), baseline: round(legacyUs, 1), ratio: round(us / legacyUs, 1), unit: 'µs' });
  return { title: 'injection: detector vs the old sample-shaped regexes (held-out figures first)', rows, json };
}
