/**
 * Slack as an intake channel: messages and mentions in the configured intake channels, and
 * direct messages to the app, become support items; files shared there (PDF, images) are
 * downloaded with the bot token and become documents for invoice processing. Slack text and
 * files are untrusted input like any email. The thread gets a reply naming the run.
 */
import type bolt from '@slack/bolt';
import { errorMessage } from '../../errors.ts';
import type { Intake } from '../../intake/intake.ts';
import type { Logger } from '../../logger.ts';

const MAX_FILE_BYTES = 20 * 1024 * 1024;
const DOCUMENT = /^(application\/pdf|image\/(png|jpe?g|tiff|webp))$/i;

interface SlackFile {
  id: string;
  name?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
}

export function registerIntakeEvents(app: InstanceType<typeof bolt.App>, options: { token: string; intakeChannels: string[]; intakeWith: (o: { workflow: string }) => Intake; log: Logger }): void {
  const { log } = options;
  const handle = async (event: Record<string, any>, client: InstanceType<typeof bolt.App>['client']) => {
    if (event.bot_id || (event.subtype && event.subtype !== 'file_share')) return;
    const isDm = event.channel_type === 'im';
    if (!isDm && !options.intakeChannels.includes(event.channel)) return;
    const source = { channel: 'slack', user: event.user, channelId: event.channel, ts: event.ts, threadTs: event.thread_ts ?? null };
    const started: string[] = [];
    try {
      for (const file of (event.files ?? []) as SlackFile[]) {
        if (!DOCUMENT.test(file.mimetype ?? '') || (file.size ?? 0) > MAX_FILE_BYTES) continue;
        const url = file.url_private_download ?? file.url_private;
        if (!url) continue;
        const res = await fetch(url, { headers: { authorization: `Bearer ${options.token}` } });
        if (!res.ok) throw new Error(`download of ${file.name ?? file.id} failed: HTTP ${res.status}`);
        const bytes = Buffer.from(await res.arrayBuffer());
        if (bytes.length > MAX_FILE_BYTES) continue;
        const r = await options.intakeWith({ workflow: 'invoice' }).accept({ kind: 'document', bytes, filename: file.name ?? file.id, contentType: file.mimetype, dedupeKey: `slack-file:${file.id}`, source });
        if (r.runId && !r.duplicate) started.push(r.runId);
      }
      const text = String(event.text ?? '').replace(/<@[A-Z0-9]+>/g, '').trim();
      if (text && !(event.files ?? []).length) {
        // A message is its channel and ts: Slack delivers a mention twice (app_mention and
        // message, each with its own event_id), and two people may well ask in the same words.
        const r = await options.intakeWith({ workflow: 'support' }).accept({ kind: 'slack_message', bytes: Buffer.from(text), dedupeKey: `${event.channel}:${event.ts}`, sameBytesSameItem: false, source });
        if (r.runId && !r.duplicate) started.push(r.runId);
      }
      if (started.length) {
        await client.chat.postMessage({ channel: event.channel, thread_ts: event.thread_ts ?? event.ts, text: `Got it: run${started.length > 1 ? 's' : ''} ${started.map((id) => `\`${id}\``).join(', ')} started.` });
      }
    } catch (err) {
      log.warn({ err: errorMessage(err), channel: event.channel }, 'slack intake failed');
    }
  };
  app.event('message', async ({ event, client }) => handle(event as unknown as Record<string, any>, client));
  app.event('app_mention', async ({ event, client }) => handle(event as unknown as Record<string, any>, client));
}
