/**
 * iMIP (RFC 6047) for screening calls: the invitation is an iCalendar object with
 * METHOD:REQUEST built with ical-generator; its UID is stable for the booking and its SEQUENCE
 * goes up with every reschedule, so calendar clients update the same event instead of adding
 * one. The attendee's answer comes back as METHOD:REPLY (parsed with ical.js), matched to the
 * booking by UID.
 */
import ICAL from 'ical.js';
import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

export interface InviteInput {
  uid: string;
  sequence: number;
  start: Date;
  end: Date;
  summary: string;
  description: string;
  organizer: { name: string; email: string };
  attendees: Array<{ name?: string | null; email: string }>;
  method?: 'REQUEST' | 'CANCEL';
}

/** A METHOD:REQUEST (or CANCEL) calendar with one VEVENT. */
export function invitation(i: InviteInput): string {
  const cal = ical({ prodId: { company: 'Mailroom', product: 'hiring', language: 'EN' }, method: i.method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST });
  cal.createEvent({
    id: i.uid,
    sequence: i.sequence,
    start: i.start,
    end: i.end,
    stamp: new Date(),
    summary: i.summary,
    description: i.description,
    organizer: { name: i.organizer.name, email: i.organizer.email },
    status: i.method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    attendees: i.attendees.map((a) => ({ email: a.email, name: a.name ?? undefined, rsvp: true, role: ICalAttendeeRole.REQ, status: ICalAttendeeStatus.NEEDSACTION })),
  });
  return cal.toString();
}

export type PartStat = 'ACCEPTED' | 'DECLINED' | 'TENTATIVE' | 'NEEDS-ACTION' | 'DELEGATED';

export interface CalendarReply {
  uid: string;
  sequence: number;
  attendee: string;
  partstat: PartStat;
}

/** A METHOD:REPLY's answer, or null for anything else (a request, a broken file). */
export function parseReply(text: string): CalendarReply | null {
  let comp: ICAL.Component;
  try {
    comp = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch {
    return null;
  }
  if (String(comp.getFirstPropertyValue('method') ?? '').toUpperCase() !== 'REPLY') return null;
  const event = comp.getFirstSubcomponent('vevent');
  const uid = event?.getFirstPropertyValue('uid');
  const attendee = event?.getFirstProperty('attendee');
  if (!event || typeof uid !== 'string' || !attendee) return null;
  const partstat = String(attendee.getParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase() as PartStat;
  const address = String(attendee.getFirstValue() ?? '').replace(/^mailto:/i, '').toLowerCase();
  return { uid, sequence: Number(event.getFirstPropertyValue('sequence') ?? 0), attendee: address, partstat };
}

/** Busy times in an iCalendar text (a CalDAV calendar's events); transparent events are free. */
export function busyTimes(text: string): Array<{ start: Date; end: Date; uid: string | null }> {
  let comp: ICAL.Component;
  try {
    comp = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch {
    return [];
  }
  return comp.getAllSubcomponents('vevent').flatMap((v) => {
    if (String(v.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT') return [];
    if (String(v.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') return [];
    const e = new ICAL.Event(v);
    if (!e.startDate) return [];
    const end = e.endDate ?? e.startDate;
    return [{ start: e.startDate.toJSDate(), end: end.toJSDate(), uid: e.uid ?? null }];
  });
}
