/**
 * The Slack app (Bolt): approval buttons and the edit modal, the /mailroom command, and the
 * notifier that posts approval requests. HTTP mode mounts Bolt's own receiver (with its request
 * signature verification) on Mailroom's HTTP server at POST /slack/events; Socket Mode connects
 * out with the app-level token instead.
 *
 * Every vote goes through approvals/store.ts's castVote: eligibility, separation of duties, the
 * shown-hash check and the row lock that turns double clicks into one decision live there, so
 * Slack and the CLI obey the same rules.
 */
import type http from 'node:http';
import bolt from '@slack/bolt';
import type pg from 'pg';
import { z } from 'zod';
import type { ApprovalNotifier } from '../../approvals/ask.ts';
import { castVote, getApproval, listApprovals } from '../../approvals/store.ts';
import type { Approval } from '../../approvals/types.ts';
import type { Config } from '../../config.ts';
import type { Engine } from '../../engine/engine.ts';
import { runTrace } from '../../engine/inspect.ts';
import { errorMessage } from '../../errors.ts';
import { startRunOverHttp } from '../../http/start-run.ts';
import { briefFromText } from '../../workflows/content/brief.ts';
import type { Intake } from '../../intake/intake.ts';
import type { Logger } from '../../logger.ts';
import { approvalBlocks, approvalUrl, decidedBlocks, editModal, escape } from './approval-blocks.ts';
import { registerIntakeEvents } from './intake-events.ts';

const { App, HTTPReceiver, SocketModeReceiver, LogLevel } = bolt;

export interface SlackApp {
  /** For HTTP mode: mount at POST /slack/events. Undefined in Socket Mode. */
  handler: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  notifier: ApprovalNotifier;
  /** Posts a run's progress into the Slack thread that started it (no-op for other runs). */
  progress(runId: string, text: string): Promise<void>;
  /** The workspace member with this address (`users.lookupByEmail`), if any. */
  lookupByEmail(email: string): Promise<string | undefined>;
  /** A direct message to one member (a Slack user id): posted to the IM channel Slack opens for it. */
  directMessage(user: string, text: string): Promise<{ channel: string; ts: string }>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Bolt's and the socket client's logs go through pino (structured, at our level), not the console. */
function boltLogger(log: Logger) {
  const child = log.child({ component: 'slack' });
  let level = LogLevel.ERROR;
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  return {
    debug: (...args: unknown[]) => child.debug(text(args)),
    info: (...args: unknown[]) => child.debug(text(args)),
    warn: (...args: unknown[]) => child.warn(text(args)),
    error: (...args: unknown[]) => child.warn(text(args)),
    setLevel: (l: bolt.LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}

const buttonValue = z.object({ id: z.string().regex(/^ap_[0-9a-f]+$/), h: z.string().regex(/^[0-9a-f]{64}$/), v: z.number().int().positive().optional(), c: z.string().max(64).optional() });
/** A button's value as we wrote it, or a failed parse: a forged payload is not even JSON. */
const parseButton = (raw: string | undefined) => {
  try {
    return buttonValue.safeParse(JSON.parse(raw ?? '{}'));
  } catch {
    return buttonValue.safeParse(undefined);
  }
};

export function createSlackApp(options: { config: Config; pool: pg.Pool; engine: Engine; intakeWith: (o: { workflow: string }) => Intake; log: Logger; workflows: readonly string[] }): SlackApp {
  const { config, pool, engine, log } = options;
  const env = config.env;
  const socketMode = Boolean(env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET);
  const clientOptions = { ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL.endsWith('/') ? env.SLACK_API_URL : `${env.SLACK_API_URL}/` } : {}), retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 5000 } };
  const receiver = socketMode ? undefined : new HTTPReceiver({ signingSecret: env.SLACK_SIGNING_SECRET!, endpoints: '/slack/events', logger: boltLogger(log) });
  // Socket Mode's own Web API client (apps.connections.open) must honour SLACK_API_URL too.
  const logger = boltLogger(log);
  const socketReceiver = socketMode ? new SocketModeReceiver({ appToken: env.SLACK_APP_TOKEN!, logger, installerOptions: { clientOptions } }) : undefined;
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    receiver: receiver ?? socketReceiver,
    clientOptions,
    logger,
  });
  const emit = (tx: pg.PoolClient, name: string, key: string, payload: unknown, source: string) => engine.sendEventInTransaction(tx, name, key, payload, source);

  const showDecision = async (a: Approval) => {
    if (!a.slack_channel || !a.slack_ts || !a.decision) return;
    await app.client.chat.update({ channel: a.slack_channel, ts: a.slack_ts, text: `${a.title}: ${a.status}`, blocks: decidedBlocks(a, a.decision.approvers, a.status, new Date(a.decision.decidedAt)) as never });
  };

  /** The `slack-group:S…` approver entry whose user group has this user as a member, if any. */
  const groupAdmitting = async (user: string, approvalId: string): Promise<string | undefined> => {
    const approval = await getApproval(pool, approvalId);
    const groups = [...(approval?.approvers ?? []), ...(approval?.escalated_at ? approval.escalation : [])].filter((a) => a.startsWith('slack-group:'));
    for (const entry of groups) {
      const res = await app.client.usergroups.users.list({ usergroup: entry.slice('slack-group:'.length) }).catch(() => undefined);
      if (res?.users?.includes(user)) return entry;
    }
    return undefined;
  };

  const vote = async (user: string, channel: string | undefined, raw: string | undefined, decision: 'approve' | 'reject', edits?: Record<string, unknown>) => {
    const parsed = parseButton(raw);
    if (!parsed.success) return 'That button is not one of ours.';
    const via = await groupAdmitting(user, parsed.data.id);
    // A choice button (a triage's workflow) is an approval with that one field set.
    const chosen = parsed.data.c !== undefined ? { workflow: parsed.data.c } : undefined;
    const allEdits = chosen || edits ? { ...edits, ...chosen } : undefined;
    const outcome = await castVote(pool, {
      approvalId: parsed.data.id, approver: user, decision, shownHash: parsed.data.h, channel: 'slack',
      ...(parsed.data.v !== undefined ? { version: parsed.data.v } : {}), ...(allEdits ? { edits: allEdits } : {}), ...(via ? { via } : {}),
    }, emit);
    if (outcome.kind === 'refused') return `Nothing changed: ${outcome.reason}.`;
    if (outcome.kind === 'already-decided') return `This request was already ${outcome.approval.status}.`;
    if (!outcome.final) {
      return outcome.changed
        ? `Your edit made version ${outcome.changed.version} of this request, with your approval; ${outcome.votesNeeded} more approval(s) of this version needed.`
        : `Your approval is recorded; ${outcome.votesNeeded} more needed.`;
    }
    await showDecision((await getApproval(pool, parsed.data.id))!).catch((err) => log.warn({ err: errorMessage(err) }, 'could not update the Slack message'));
    return undefined;
  };

  for (const [actionId, decision] of [['approval_approve', 'approve'], ['approval_reject', 'reject']] as const) {
    app.action(actionId, async ({ ack, body, action, client }) => {
      await ack();
      const b = body as { user: { id: string }; channel?: { id: string } };
      const message = await vote(b.user.id, b.channel?.id, (action as { value?: string }).value, decision);
      if (message && b.channel?.id) await client.chat.postEphemeral({ channel: b.channel.id, user: b.user.id, text: message });
    });
  }

  app.action(/^approval_choose:/, async ({ ack, body, action, client }) => {
    await ack();
    const b = body as { user: { id: string }; channel?: { id: string } };
    const parsed = parseButton((action as { value?: string }).value);
    const message = await vote(b.user.id, b.channel?.id, (action as { value?: string }).value, parsed.success && parsed.data.c === 'ignore' ? 'reject' : 'approve');
    if (message && b.channel?.id) await client.chat.postEphemeral({ channel: b.channel.id, user: b.user.id, text: message });
  });

  app.action('approval_edit', async ({ ack, body, action, client }) => {
    await ack();
    const parsed = parseButton((action as { value?: string }).value);
    const approval = parsed.success ? await getApproval(pool, parsed.data.id) : undefined;
    if (!approval) return;
    await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: editModal(approval) as never });
  });

  app.view('approval_edit_submit', async ({ ack, body, view, client }) => {
    await ack();
    const edits: Record<string, unknown> = {};
    for (const [blockId, inputs] of Object.entries(view.state.values)) {
      const field = blockId.replace(/^edit:/, '');
      // Text inputs send `value`; a choice (static_select) sends `selected_option`.
      const input = inputs.value as { value?: string | null; selected_option?: { value?: string } | null };
      const value = input.value ?? input.selected_option?.value;
      if (value === undefined || value === null || value === '') continue;
      edits[field] = ['total', 'subtotal', 'tax'].includes(field) && !Number.isNaN(Number(value)) ? Number(value) : value;
    }
    const message = await vote(body.user.id, undefined, view.private_metadata, 'approve', edits);
    if (message) await client.chat.postMessage({ channel: body.user.id, text: message });
  });

  /** Workflows a person may start from text (the registered ones); anything else is refused before intake. */
  const SLASH_WORKFLOWS = options.workflows;
  /** Who may re-run a failed run from Slack: the configured approvers, nobody else. */
  const operators = env.SLACK_APPROVERS?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  app.command('/mailroom', async ({ ack, command, respond }) => {
    const [sub = 'help', ...rest] = command.text.trim().split(/\s+/);
    // Answer inside Slack's 3-second window; slower work replies through response_url.
    await ack();
    try {
      if (sub === 'pending') {
        const mine = rest[0] !== 'all';
        const list = (await listApprovals(pool, { status: 'pending', ...(mine ? { approver: command.user_id } : {}) }));
        await respond({ response_type: 'ephemeral', text: list.length ? list.map((a) => `• \`${a.id}\` ${escape(a.title)}`).join('\n') : `No approvals waiting${mine ? ' for you' : ''}.` });
      } else if (sub === 'status' && rest[0]) {
        const t = await runTrace(pool, rest[0]).catch(() => undefined);
        await respond({ response_type: 'ephemeral', text: t ? `Run \`${t.run.id}\` (${t.run.workflow}) is *${t.run.state}*: ${escape(t.transitions.at(-1)?.reason ?? '')}` : `No run ${escape(rest[0])}.` });
      } else if (sub === 'retry' && rest[0] && !operators.includes(command.user_id)) {
        await respond({ response_type: 'ephemeral', text: 'Only the approvers named in SLACK_APPROVERS may retry runs from Slack (on the server: `npx mailroom retry <run>`).' });
      } else if (sub === 'retry' && rest[0]) {
        await engine.retryRun(rest[0]);
        await respond({ response_type: 'ephemeral', text: `Run \`${escape(rest[0])}\` queued again.` });
      } else if (sub === 'content' && rest.length) {
        // The API's path (POST /api/v1/runs): the brief is checked by the workflow's own schema; one run per slash command.
        const brief = briefFromText(command.text.trim().slice('content'.length)) as Record<string, unknown>;
        const started = await startRunOverHttp({ pool, engine }, { caller: `slack:${command.user_id}`, workflow: 'content', input: { ...brief, requester: { identity: command.user_id } }, idempotencyKey: `slack:${command.trigger_id}` });
        await respond({ response_type: 'ephemeral', text: 'run_id' in started.body ? `Started content run \`${started.body.run_id}\`: research, draft and checks, then an approval card.` : `Not started: ${escape(started.body.error)}. Try \`/mailroom content <topic> | keyphrase: ... | channels: blog,x | publish_at: 2030-01-01T09:00:00Z\`` });
      } else if (sub === 'run' && rest.length >= 2 && !SLASH_WORKFLOWS.includes(rest[0]!)) {
        await respond({ response_type: 'ephemeral', text: `No workflow \`${escape(rest[0]!)}\`: choose ${SLASH_WORKFLOWS.join(' or ')}.` });
      } else if (sub === 'run' && rest.length >= 2) {
        const [workflow, ...words] = rest;
        const accepted = await options.intakeWith({ workflow: workflow! }).accept({
          kind: 'slack_message',
          bytes: Buffer.from(words.join(' ')),
          dedupeKey: `${command.trigger_id}`,
          source: { channel: 'slack', user: command.user_id, channelId: command.channel_id },
        });
        await respond({ response_type: 'ephemeral', text: `Started run \`${accepted.runId}\` for your request.` });
      } else {
        await respond({ response_type: 'ephemeral', text: `Usage: \`/mailroom pending [all]\` · \`/mailroom status <run>\` · \`/mailroom retry <run>\` · \`/mailroom run <${SLASH_WORKFLOWS.join('|')}> <text>\` · \`/mailroom content <topic> [| keyphrase: …]\`` });
      }
    } catch (err) {
      await respond({ response_type: 'ephemeral', text: `Sorry: ${escape(errorMessage(err))}` });
    }
  });

  registerIntakeEvents(app, {
    token: env.SLACK_BOT_TOKEN!,
    intakeChannels: env.SLACK_INTAKE_CHANNELS?.split(',').map((c) => c.trim()).filter(Boolean) ?? [],
    intakeWith: options.intakeWith,
    log,
  });

  const channelFor = () => env.SLACK_APPROVAL_CHANNEL;
  const notifier: ApprovalNotifier = {
    async post(approval) {
      // A workflow may name its own channel (a lead alert goes to lead.sales_channel).
      const own = approval.request.fields?.slack_channel;
      const channel = (typeof own === 'string' && own) || channelFor();
      if (!channel) throw new Error('SLACK_APPROVAL_CHANNEL is not set');
      const res = await app.client.chat.postMessage({ channel, text: `Approval needed: ${approval.title}`, blocks: approvalBlocks(approval, approvalUrl(env, approval.id)) as never });
      return { channel: res.channel ?? channel, ts: res.ts ?? undefined };
    },
    async changed(approval, change) {
      // The old message's buttons carry the old hash: show the new version in its place.
      if (approval.slack_channel && approval.slack_ts) {
        await app.client.chat.update({ channel: approval.slack_channel, ts: approval.slack_ts, text: `Approval needed (version ${approval.version}): ${approval.title}`, blocks: approvalBlocks(approval, approvalUrl(env, approval.id)) as never });
      }
      const channel = approval.slack_channel ?? channelFor();
      if (!channel) return;
      const mention = (u: string) => (u.startsWith('U') ? `<@${u}>` : escape(u));
      const voters = change.previousVoters.map(mention);
      await app.client.chat.postMessage({
        channel,
        ...(approval.slack_ts ? { thread_ts: approval.slack_ts } : {}),
        text: `${mention(change.editedBy)} changed ${escape(Object.keys(change.edits).join(', '))}: this is now version ${change.version}.${voters.length ? ` ${voters.join(' ')}: your vote was for an earlier version and no longer counts; please review it again.` : ''}`,
      });
    },
    async remind(approval, escalated) {
      const channel = approval.slack_channel ?? channelFor();
      if (!channel) return;
      const who = (escalated ? [...approval.approvers, ...approval.escalation] : approval.approvers).filter((u) => u.startsWith('U')).map((u) => `<@${u}>`);
      await app.client.chat.postMessage({ channel, ...(approval.slack_ts ? { thread_ts: approval.slack_ts } : {}), text: `Reminder: still waiting for a decision${who.length ? ` from ${who.join(' ')}` : ''}.` });
    },
  };

  const progress = async (runId: string, textLine: string) => {
    const { rows } = await pool.query<{ source: { channel?: string; channelId?: string; ts?: string; threadTs?: string | null } }>(
      `SELECT i.source FROM mailroom.runs r
         LEFT JOIN mailroom.runs p ON p.id = r.parent_run_id
         JOIN mailroom.items i ON i.id::text = COALESCE(r.input->>'itemId', p.input->>'itemId')
        WHERE r.id = $1`,
      [runId],
    );
    const source = rows[0]?.source;
    if (source?.channel !== 'slack' || !source.channelId || !source.ts) return;
    await app.client.chat.postMessage({ channel: source.channelId, thread_ts: source.threadTs ?? source.ts, text: textLine });
  };

  const lookupByEmail = async (email: string) => {
    const res = await app.client.users.lookupByEmail({ email }).catch(() => undefined);
    return res?.user?.id ?? undefined;
  };

  const directMessage = async (user: string, textBody: string) => {
    const opened = await app.client.conversations.open({ users: user });
    const channel = opened.channel?.id;
    if (!channel) throw new Error(`Slack opened no direct message with ${user}`);
    const posted = await app.client.chat.postMessage({ channel, text: textBody });
    return { channel, ts: String(posted.ts ?? '') };
  };

  return {
    handler: receiver ? (req, res) => receiver.requestListener(req, res) : undefined,
    notifier,
    progress,
    lookupByEmail,
    directMessage,
    async start() {
      if (socketMode) await app.start();
    },
    async stop() {
      if (socketMode) await app.stop();
    },
  };
}
