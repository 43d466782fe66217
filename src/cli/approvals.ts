import os from 'node:os';
import type { Command } from 'commander';
import { InputError, NotFoundError } from '../errors.ts';
import { castVote, getApproval, listApprovals, votesFor } from '../approvals/store.ts';
import type { Approval } from '../approvals/types.ts';
import { withApp } from './context.ts';

/** The CLI decides as the local operator; there is no way to vote as somebody else. */
export const cliIdentity = () => `cli:${os.userInfo().username}`;

function describe(a: Approval): string {
  const r = a.request;
  const lines = [
    `${a.id}  ${a.status.toUpperCase()}  ${a.workflow}/${a.kind}  ${a.title}${a.version > 1 ? `  (version ${a.version}, edited: ${Object.keys(a.edits ?? {}).join(', ')})` : ''}`,
    `  run ${a.run_id}, requested ${a.created_at.toISOString()}${a.requested_by ? ` by ${a.requested_by}` : ''}`,
    `  from: ${r.summary.from ?? '-'}  subject: ${r.summary.subject ?? '-'}`,
    `  proposal (${r.proposal.type}): ${r.proposal.description}`,
  ];
  if (a.amount !== null) lines.push(`  amount: ${a.amount} ${a.currency ?? ''}${a.tier ? ` (tier ${a.tier})` : ''}`);
  if (r.proposal.draft) lines.push('  draft:', ...r.proposal.draft.split('\n').map((l) => `    | ${l}`));
  if (r.fields) lines.push(`  fields: ${JSON.stringify(r.fields)}`);
  for (const c of r.review ?? []) lines.push(`  REVIEW ${c.field}: ${c.values.map((v) => `${v.source}=${JSON.stringify(v.value)}`).join('  vs  ')}${c.note ? ` (${c.note})` : ''}`);
  lines.push(`  reasoning: ${r.reasoning}${r.confidence !== null ? ` (confidence ${r.confidence.toFixed(2)})` : ''}`);
  if (r.reasons.length) lines.push(`  why a human: ${r.reasons.join('; ')}`);
  for (const [field, values] of Object.entries(r.options ?? {})) lines.push(`  choose ${field}: ${values.join(' | ')}  (approve --set ${field}=…)`);
  lines.push(`  needs ${a.required_approvals} approval(s) from: ${a.approvers.join(', ') || '-'}`);
  if (a.post_error) lines.push(`  slack post failed: ${a.post_error}`);
  return lines.join('\n');
}

export function registerApprovalCommands(program: Command): void {
  program
    .command('approvals')
    .description('list approval requests (pending by default)')
    .option('--all', 'every request, not only pending ones')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      await withApp('cli', async (app) => {
        const list = await listApprovals(app.db.pool, { status: opts.all ? undefined : 'pending' });
        if (opts.json) for (const a of list) console.log(JSON.stringify(a));
        else console.log(list.length ? list.map(describe).join('\n\n') : 'no pending approvals');
      });
    });

  for (const verb of ['approve', 'reject'] as const) {
    program
      .command(`${verb} <id>`)
      .description(`${verb} an approval request as ${cliIdentity()}; the waiting run resumes`)
      .option('--note <text>', 'a note kept with the decision')
      .option('--set <field=value...>', 'approve with corrections to editable fields (e.g. --set total=1145.86 --set save_to_kb=yes)')
      .option('--version <n>', 'the version of the request you reviewed (needed once a request has been edited)')
      .action(async (id: string, opts: { note?: string; set?: string[]; version?: string }) => {
        await withApp('cli', async (app) => {
          const approval = await getApproval(app.db.pool, id);
          if (!approval) throw new NotFoundError(`no approval ${id}`);
          const edits: Record<string, unknown> = {};
          for (const pair of opts.set ?? []) {
            const at = pair.indexOf('=');
            const field = pair.slice(0, at);
            if (at < 1 || !approval.request.editable.includes(field)) throw new InputError(`--set ${pair}: editable fields are ${approval.request.editable.join(', ') || 'none'}`);
            const value = pair.slice(at + 1);
            const allowed = approval.request.options?.[field];
            if (allowed && !allowed.includes(value)) throw new InputError(`--set ${pair}: ${field} is one of ${allowed.join(', ')}`);
            edits[field] = ['total', 'subtotal', 'tax'].includes(field) && !Number.isNaN(Number(value)) ? Number(value) : value;
          }
          if (verb === 'reject' && Object.keys(edits).length) throw new InputError('--set goes with approve');
          // An edited request is decided only by someone who says which version they reviewed.
          const version = opts.version === undefined ? undefined : Number(opts.version);
          if (version !== undefined && !Number.isInteger(version)) throw new InputError(`--version ${opts.version}: a whole number`);
          if (version === undefined && approval.version > 1) {
            throw new InputError(`${id} was edited (now version ${approval.version}); review it with \`mailroom approvals\` and decide with --version ${approval.version}`);
          }
          const outcome = await castVote(
            app.db.pool,
            { approvalId: id, approver: cliIdentity(), decision: verb, note: opts.note, version: version ?? approval.version, channel: 'cli', ...(Object.keys(edits).length ? { edits } : {}) },
            (tx, name, key, payload, source) => app.engine.sendEventInTransaction(tx, name, key, payload, source),
          );
          if (outcome.kind === 'refused') throw new InputError(`cannot ${verb} ${id}: ${outcome.reason}`);
          if (outcome.kind === 'already-decided') throw new InputError(`${id} was already ${outcome.approval.status}`);
          const votes = await votesFor(app.db.pool, id);
          if (outcome.changed) console.log(`your edit made version ${outcome.changed.version} of ${id}${outcome.changed.previousVoters.length ? `; earlier votes (${outcome.changed.previousVoters.join(', ')}) no longer count` : ''}`);
          console.log(
            outcome.final
              ? `${id} ${outcome.approval.status} by ${votes.map((v) => v.approver).join(', ')}; run ${approval.run_id} resumes`
              : `vote recorded; ${outcome.votesNeeded} more approval(s) needed`,
          );
        });
      });
  }
}
