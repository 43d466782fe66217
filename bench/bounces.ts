/**
 * `npm run bench -- bounces [--json]`: the automatic-mail classifier over every message of
 * ../shared/data/bounces (sisimai's set: 485 bounces from ~70 MTAs and providers, 14 ARF / complaint
 * reports, 5 RFC 3834 auto-replies; the file name says the kind). Baseline, measured in the same
 * run: "a bounce is whatever MAILER-DAEMON or postmaster sent", the rule most hand-rolled
 * handlers use. Labels come from file names, so the few files that are something else in truth
 * (two Amazon SES *delivery* notifications and one SES complaint in the lhost set) count against
 * Mailroom here.
 *
 * Keys: bounces_bounce_recall, bounces_complaint_recall, bounces_auto_reply_recall,
 * bounces_accuracy (and the baseline's, `_baseline`), bounces_recipient_rate and
 * bounces_message_id_rate (share of recognised bounces with a recipient / the returned
 * Message-ID, what ties a bounce to our message), bounces_hard_share, bounces_files,
 * bounces_errors, bounces_ms_per_message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEmailCore } from '../src/channels/email/parse-core.ts';
import { baselineKind, classifyAutomatedMail } from '../src/outreach/automated-mail.ts';
import { round, type Bench, type BenchRow } from './types.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/data/bounces');
type Kind = 'bounce' | 'complaint' | 'auto_reply';
const expected = (f: string): Kind => (f.startsWith('arf-') ? 'complaint' : f.startsWith('rfc3834-') ? 'auto_reply' : 'bounce');

export const bench: Bench = async () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.eml')).sort();
  const total: Record<Kind, number> = { bounce: 0, complaint: 0, auto_reply: 0 };
  const right: Record<Kind, number> = { bounce: 0, complaint: 0, auto_reply: 0 };
  const base: Record<Kind, number> = { bounce: 0, complaint: 0, auto_reply: 0 };
  let errors = 0;
  let recognised = 0;
  let withRecipient = 0;
  let withMessageId = 0;
  let hard = 0;
  const started = performance.now();
  for (const f of files) {
    const kind = expected(f);
    total[kind]++;
    let parsed;
    try {
      parsed = await parseEmailCore(fs.readFileSync(path.join(DIR, f)));
    } catch {
      errors++;
      continue;
    }
    const r = classifyAutomatedMail(parsed);
    // An unsubscribe sent by mail (Apple Mail's, in the ARF set) means what a complaint means: stop.
    if (r.kind === kind || (kind === 'complaint' && r.kind === 'unsubscribe')) right[kind]++;
    if (baselineKind(parsed) === kind) base[kind]++;
    if (r.kind === 'bounce' && kind === 'bounce') {
      recognised++;
      if (r.recipient) withRecipient++;
      if (r.originalMessageId) withMessageId++;
      if (r.hard) hard++;
    }
  }
  const ms = (performance.now() - started) / Math.max(1, files.length);
  const rate = (a: number, b: number) => (b ? round(a / b, 3) : 0);
  const all = files.length;
  const acc = rate(right.bounce + right.complaint + right.auto_reply, all);
  const accBase = rate(base.bounce + base.complaint + base.auto_reply, all);
  const row = (metric: string, mailroom: number, baseline: number | null, unit: string): BenchRow => ({ metric, mailroom, baseline, ratio: baseline ? round(mailroom / baseline, 2) : null, unit });
  const json: Record<string, number> = {
    bounces_files: all,
    bounces_errors: errors,
    bounces_accuracy: acc,
    bounces_accuracy_baseline: accBase,
    bounces_bounce_recall: rate(right.bounce, total.bounce),
    bounces_bounce_recall_baseline: rate(base.bounce, total.bounce),
    bounces_complaint_recall: rate(right.complaint, total.complaint),
    bounces_complaint_recall_baseline: rate(base.complaint, total.complaint),
    bounces_auto_reply_recall: rate(right.auto_reply, total.auto_reply),
    bounces_auto_reply_recall_baseline: rate(base.auto_reply, total.auto_reply),
    bounces_recipient_rate: rate(withRecipient, recognised),
    bounces_message_id_rate: rate(withMessageId, recognised),
    bounces_hard_share: rate(hard, recognised),
    bounces_ms_per_message: round(ms, 2),
  };
  return {
    title: `Automatic mail: bounces, complaints, auto-replies (${all} real messages; baseline: "from MAILER-DAEMON/postmaster")`,
    rows: [
      row('accuracy, all kinds', acc, accBase, 'share'),
      row(`bounces recognised (${total.bounce})`, json.bounces_bounce_recall!, json.bounces_bounce_recall_baseline!, 'share'),
      row(`complaints recognised (${total.complaint})`, json.bounces_complaint_recall!, json.bounces_complaint_recall_baseline!, 'share'),
      row(`auto-replies recognised (${total.auto_reply})`, json.bounces_auto_reply_recall!, json.bounces_auto_reply_recall_baseline!, 'share'),
      row('bounces with the failed recipient', json.bounces_recipient_rate!, null, 'share'),
      row('bounces with the returned Message-ID', json.bounces_message_id_rate!, null, 'share'),
      row('hard (5.x.x) among bounces', json.bounces_hard_share!, null, 'share'),
      row('parse + classify per message', json.bounces_ms_per_message!, null, 'ms'),
      row('files that failed to parse', errors, null, 'count'),
    ],
    json,
  };
};
