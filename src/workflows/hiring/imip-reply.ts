/**
 * The router's hand-over of iMIP answers: a mail carrying a METHOD:REPLY calendar part whose UID
 * is one of our screening-call bookings goes to the hiring run waiting for it
 * (`hiring.calendar_reply`, keyed by the UID), not to triage. Calendar clients rarely thread
 * their replies (no In-Reply-To), so the UID is the key, not the Message-ID.
 */
import type { StepApi } from '../../engine/types.ts';
import { getBlob } from '../../intake/blobs.ts';
import type { EmailSummary, WorkflowServices } from '../ports.ts';
import { parseReply } from './invite.ts';
import { bookingByUid } from './store.ts';

const CALENDAR = /^(text\/calendar|application\/ics)$/i;

export async function handleCalendarReply(step: StepApi, services: WorkflowServices, itemId: string, email: EmailSummary): Promise<null | { reason: string; runId: string }> {
  const parts = email.attachments.filter((a) => CALENDAR.test(a.contentType) || /\.ics$/i.test(a.filename ?? ''));
  if (!parts.length || !services.events) return null;
  const found = await step.run('calendar-reply', async () => {
    for (const part of parts) {
      const blob = await getBlob(services.pool, part.sha256);
      const reply = blob ? parseReply(blob.bytes.toString('utf8')) : null;
      if (!reply) continue;
      const booking = await bookingByUid(services.pool, reply.uid);
      if (!booking?.run_id) continue;
      return { ...reply, runId: booking.run_id };
    }
    return null;
  });
  if (!found) return null;
  const events = services.events;
  await step.run('deliver-calendar-reply', () => events.send('hiring.calendar_reply', found.uid, { itemId, partstat: found.partstat, attendee: found.attendee, sequence: found.sequence }).then(() => true));
  await step.decide({ action: 'route', parameters: { route: 'reply', run: found.runId }, reasoning: `an iMIP reply (${found.partstat}) to screening call ${found.uid}; handed to the hiring run waiting for it`, confidence: 1, provider: 'code' });
  return { reason: `an iMIP reply (${found.partstat}) to a screening-call invitation`, runId: found.runId };
}
