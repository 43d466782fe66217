/**
 * Send windows: automated mail goes out in the recipient's business hours, in their time zone —
 * the one the form gave, else the country of their domain's ccTLD (countries-and-timezones),
 * else `lead.default_timezone` — with jitter, so a sequence does not land at 09:00:00 sharp
 * like every other robot's. Pure: the clock and the randomness are parameters.
 */
import ct from 'countries-and-timezones';
import { DateTime } from 'luxon';

export interface SendWindow {
  /** Local hour the window opens (inclusive) and closes (exclusive). */
  startHour: number;
  endHour: number;
  /** ISO weekdays mail may go out on: 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Up to this much later than the earliest moment, at random. */
  jitterMs: number;
}

export const DEFAULT_SEND_WINDOW: SendWindow = { startHour: 9, endHour: 17, days: [1, 2, 3, 4, 5], jitterMs: 45 * 60_000 };

export type ZoneSource = 'form' | 'domain' | 'default';

// TLDs that are country codes on paper but used worldwide (.io, .co, .ai, .me, .tv ...): they say nothing about where someone is.
const GENERIC_CC = new Set(['io', 'co', 'ai', 'me', 'tv', 'fm', 'ly', 'so', 'to', 'cc', 'ws', 'gg', 'sh', 'ac', 'vc', 'la']);
// Countries spanning several zones: the zone most of their people (and businesses) live in.
const MAIN_ZONE: Record<string, string> = {
  US: 'America/New_York', CA: 'America/Toronto', AU: 'Australia/Sydney', BR: 'America/Sao_Paulo', RU: 'Europe/Moscow', MX: 'America/Mexico_City',
  ID: 'Asia/Jakarta', CN: 'Asia/Shanghai', KZ: 'Asia/Almaty', AR: 'America/Argentina/Buenos_Aires', CL: 'America/Santiago', ES: 'Europe/Madrid',
  PT: 'Europe/Lisbon', DE: 'Europe/Berlin', NZ: 'Pacific/Auckland', UA: 'Europe/Kyiv', CD: 'Africa/Kinshasa', MN: 'Asia/Ulaanbaatar', EC: 'America/Guayaquil',
};

const validZone = (zone: string | null | undefined): zone is string => Boolean(zone) && DateTime.now().setZone(zone!).isValid;

/** The country's main time zone for the address's ccTLD, or null (generic TLD, unknown code). */
export function zoneOfDomain(address: string): string | null {
  const tld = /\.([a-z]{2})\s*>?\s*$/i.exec(address.trim())?.[1]?.toLowerCase();
  if (!tld || GENERIC_CC.has(tld)) return null;
  const code = tld === 'uk' ? 'GB' : tld.toUpperCase();
  if (MAIN_ZONE[code]) return MAIN_ZONE[code];
  const zones = ct.getCountry(code)?.timezones ?? [];
  return zones.find(validZone) ?? null;
}

export function recipientZone(address: string, formZone: string | null | undefined, defaultZone: string): { zone: string; source: ZoneSource } {
  if (validZone(formZone)) return { zone: formZone, source: 'form' };
  const fromDomain = zoneOfDomain(address);
  if (fromDomain) return { zone: fromDomain, source: 'domain' };
  return { zone: validZone(defaultZone) ? defaultZone : 'UTC', source: 'default' };
}

export interface NextSend {
  at: Date;
  zone: string;
  source: ZoneSource;
  /** The local time it lands at, for the decision log ("Tue 09:23 Europe/Berlin"). */
  local: string;
}

/**
 * The earliest moment at or after `now` inside the window in the recipient's zone, plus jitter
 * that stays inside the same window.
 */
export function nextSendTime(input: { now: Date; address: string; timezone?: string | null; defaultTimezone: string; window?: Partial<SendWindow>; random?: () => number }): NextSend {
  const w = { ...DEFAULT_SEND_WINDOW, ...(input.window ?? {}) };
  const random = input.random ?? Math.random;
  const { zone, source } = recipientZone(input.address, input.timezone, input.defaultTimezone);
  const local = DateTime.fromJSDate(input.now).setZone(zone);
  const days = w.days.length ? w.days : DEFAULT_SEND_WINDOW.days;
  for (let i = 0; i < 15; i++) {
    const day = local.plus({ days: i }).startOf('day');
    if (!days.includes(day.weekday)) continue;
    const open = day.set({ hour: w.startHour });
    const close = day.set({ hour: w.endHour });
    const earliest = i === 0 && local > open ? local : open;
    if (earliest >= close) continue;
    const room = close.toMillis() - earliest.toMillis() - 60_000;
    const at = earliest.plus({ milliseconds: Math.max(0, Math.floor(random() * Math.min(w.jitterMs, room))) });
    return { at: at.toJSDate(), zone, source, local: `${at.toFormat('ccc HH:mm')} ${zone}` };
  }
  // No business day in two weeks (an empty window): send now rather than never.
  return { at: input.now, zone, source, local: `${local.toFormat('ccc HH:mm')} ${zone}` };
}
