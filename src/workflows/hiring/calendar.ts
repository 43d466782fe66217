/**
 * Interviewers' calendars: busy times in, screening calls out. CalDAV (tsdav) when CALDAV_URL
 * is set: each interviewer's calendar is their `calendar` URL from the jobs file, else
 * `<CALDAV_URL>/<interviewer id>/` (made with MKCALENDAR the first time), authenticated with
 * CALDAV_USER / CALDAV_PASSWORD (Basic). Otherwise the built-in calendar: the calendar_busy
 * table (imported busy times, and the calls Mailroom booked).
 */
import type pg from 'pg';
import { createCalendarObject, DAVNamespaceShort, deleteCalendarObject, fetchCalendarObjects, getBasicAuthHeaders, makeCalendar, updateCalendarObject } from 'tsdav';
import type { Interviewer } from './jobs.ts';
import { busyTimes } from './invite.ts';
import type { Busy } from './slots.ts';

export interface CalendarEvent {
  uid: string;
  start: Date;
  end: Date;
  /** The whole iCalendar object (METHOD stripped for storage). */
  ics: string;
  bookingId: string;
}

export interface CalendarPort {
  readonly kind: 'caldav' | 'builtin';
  busy(interviewer: Interviewer, from: Date, to: Date): Promise<Busy[]>;
  /** Creates or replaces the event (same UID): returns where it lives. */
  put(interviewer: Interviewer, event: CalendarEvent): Promise<{ href: string | null }>;
  /** Takes a booked call off the calendar (a withdrawal, a call nobody will hold). */
  remove(interviewer: Interviewer, uid: string, bookingId: string): Promise<void>;
}

export interface CalDavSettings {
  url: string;
  user?: string;
  password?: string;
}

/** A stored calendar object carries no METHOD (RFC 4791 §4.1): that belongs to the iMIP message. */
const forStorage = (ics: string) => ics.replace(/^METHOD:[^\r\n]*\r?\n/m, '');

export function builtinCalendar(pool: pg.Pool): CalendarPort {
  return {
    kind: 'builtin',
    async busy(iv, from, to) {
      const { rows } = await pool.query<{ starts_at: Date; ends_at: Date }>(
        `SELECT starts_at, ends_at FROM mailroom.calendar_busy WHERE lower(interviewer) IN (lower($1), lower($2)) AND starts_at < $4 AND ends_at > $3`,
        [iv.id, iv.email, from, to],
      );
      return rows.map((r) => ({ start: r.starts_at, end: r.ends_at }));
    },
    async put(iv, e) {
      // One busy row per booking: a reschedule moves it.
      await pool.query('DELETE FROM mailroom.calendar_busy WHERE booking_id = $1', [e.bookingId]);
      await pool.query(`INSERT INTO mailroom.calendar_busy (interviewer, starts_at, ends_at, summary, booking_id) VALUES ($1, $2, $3, $4, $5)`, [iv.id, e.start, e.end, `screening call ${e.uid}`, e.bookingId]);
      return { href: null };
    },
    async remove(_iv, _uid, bookingId) {
      await pool.query('DELETE FROM mailroom.calendar_busy WHERE booking_id = $1', [bookingId]);
    },
  };
}

export function caldavCalendar(settings: CalDavSettings): CalendarPort {
  const headers = settings.user ? getBasicAuthHeaders({ username: settings.user, password: settings.password ?? '' }) : {};
  const base = settings.url.replace(/\/*$/, '/');
  const urlOf = (iv: Interviewer) => (iv.calendar ?? `${base}${encodeURIComponent(iv.id)}/`).replace(/\/*$/, '/');
  const made = new Set<string>();
  const ensure = async (iv: Interviewer) => {
    const url = urlOf(iv);
    if (made.has(url)) return url;
    // MKCALENDAR on an existing collection answers 405: either way it exists afterwards.
    const res = await makeCalendar({ url, props: { [`${DAVNamespaceShort.DAV}:displayname`]: iv.name }, headers }).catch(() => []);
    void res;
    made.add(url);
    return url;
  };
  return {
    kind: 'caldav',
    async busy(iv, from, to) {
      const url = await ensure(iv);
      const objects = await fetchCalendarObjects({ calendar: { url }, timeRange: { start: from.toISOString(), end: to.toISOString() }, headers }).catch((err: unknown) => {
        throw new Error(`CalDAV: could not read ${url}: ${(err as Error).message}`, { cause: err });
      });
      return objects.flatMap((o) => busyTimes(String(o.data ?? ''))).filter((b) => b.start < to && b.end > from).map(({ start, end }) => ({ start, end }));
    },
    async put(iv, e) {
      const url = await ensure(iv);
      const filename = `${encodeURIComponent(e.uid)}.ics`;
      const href = `${url}${filename}`;
      const ics = forStorage(e.ics);
      const created = await createCalendarObject({ calendar: { url }, filename, iCalString: ics, headers: { ...headers, 'If-None-Match': '*' } });
      if (created.ok) return { href };
      // Already there (a reschedule): replace it.
      const updated = await updateCalendarObject({ calendarObject: { url: href, data: ics }, headers });
      if (!updated.ok) throw new Error(`CalDAV: PUT ${href} answered ${updated.status} (create: ${created.status})`);
      return { href };
    },
    async remove(iv, uid) {
      const href = `${urlOf(iv)}${encodeURIComponent(uid)}.ics`;
      const res = await deleteCalendarObject({ calendarObject: { url: href, data: '' }, headers });
      // Gone already is as good as deleted.
      if (!res.ok && res.status !== 404) throw new Error(`CalDAV: DELETE ${href} answered ${res.status}`);
    },
  };
}

/** CalDAV when configured, the built-in calendar otherwise. */
export function calendarFor(env: { CALDAV_URL?: string; CALDAV_USER?: string; CALDAV_PASSWORD?: string }, pool: pg.Pool): CalendarPort {
  return env.CALDAV_URL ? caldavCalendar({ url: env.CALDAV_URL, user: env.CALDAV_USER, password: env.CALDAV_PASSWORD }) : builtinCalendar(pool);
}
