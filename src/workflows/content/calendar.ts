/**
 * The content calendar (`mailroom data import calendar <file.ics|file.csv>`): each entry, or
 * each occurrence of a recurring ICS event (RRULE, expanded by ical.js up to a horizon), is a
 * row with the brief and the time its run is due: `calendar_lead_days` before the publication
 * date, so a person has time to approve. A worker claims due rows with FOR UPDATE SKIP LOCKED
 * and starts each run in the same transaction under the key `calendar:<entry>`, so an entry
 * starts exactly once however many workers poll.
 *
 * CSV: `date,topic,keyphrase,channels` (date `YYYY-MM-DD` = 09:00 UTC, or ISO 8601; channels
 * separated by `;`, `|` or spaces). ICS: SUMMARY is the topic; DESCRIPTION lines
 * `keyphrase: …`, `channels: …`, `audience: …`, `goal: …` fill in the rest.
 */
import fs from 'node:fs';
import path from 'node:path';
import ICAL from 'ical.js';
import type pg from 'pg';
import { z } from 'zod';
import { readCsv } from '../../data/csv.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { Engine } from '../../engine/engine.ts';
import type { Queryable } from '../../engine/run-store.ts';
import { toJsonb } from '../../engine/run-store.ts';
import { errorMessage, InputError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { briefSchema, type BriefInput } from './brief.ts';
import { contentWorkflow } from './content.ts';

export interface CalendarEntry {
  id: string;
  /** When the piece should be published. */
  publishAt: Date;
  brief: BriefInput;
}

const splitChannels = (v: string | undefined) => (v ? v.split(/[;|,\s]+/).map((c) => c.trim().toLowerCase()).filter(Boolean) : undefined);

const dateOf = (v: string): Date => new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T09:00:00Z` : v);

const csvRow = z.object({
  date: z.string().refine((v) => !Number.isNaN(dateOf(v).getTime()), 'a date (YYYY-MM-DD) or an ISO 8601 time'),
  topic: z.string().min(3),
  keyphrase: z.string().optional(),
  channels: z.string().optional(),
});

function entry(id: string, publishAt: Date, fields: Record<string, unknown>, where: string): CalendarEntry {
  const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = briefSchema.safeParse(clean);
  if (!parsed.success) throw new InputError(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { id, publishAt, brief: clean as BriefInput };
}

export function readCalendarCsv(file: string): CalendarEntry[] {
  return readCsv(file, csvRow).map((r, i) => entry(`${path.basename(file)}:${r.date}:${r.topic}`, dateOf(r.date), { topic: r.topic, keyphrase: r.keyphrase, channels: splitChannels(r.channels) }, `${file}, line ${i + 2}`));
}

/** Occurrences of every VEVENT from now (minus a day, for entries just due) until `horizonDays` ahead. */
export function readCalendarIcs(text: string, options: { now?: Date; horizonDays?: number; maxPerEvent?: number } = {}): CalendarEntry[] {
  const now = options.now ?? new Date();
  const from = now.getTime() - 86_400_000;
  const until = now.getTime() + (options.horizonDays ?? 366) * 86_400_000;
  let root: InstanceType<typeof ICAL.Component>;
  try {
    root = new ICAL.Component(ICAL.parse(text));
  } catch (err) {
    throw new InputError(`not a readable iCalendar file: ${errorMessage(err)}`, { cause: err });
  }
  const out: CalendarEntry[] = [];
  for (const v of root.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(v);
    if (event.isRecurrenceException()) continue;
    const fields: Record<string, unknown> = { topic: event.summary };
    for (const line of String(event.description ?? '').split(/\n/)) {
      const m = /^\s*(keyphrase|channels|audience|goal|length_words)\s*:\s*(.+)$/i.exec(line);
      if (!m) continue;
      const key = m[1]!.toLowerCase();
      fields[key] = key === 'channels' ? splitChannels(m[2]) : key === 'length_words' ? Number(m[2]) : m[2]!.trim();
    }
    const it = event.iterator();
    for (let n = 0, next = it.next(); next && n < (options.maxPerEvent ?? 100); next = it.next()) {
      const at = next.toJSDate();
      if (at.getTime() > until) break;
      if (at.getTime() < from) continue;
      n++;
      out.push(entry(`${event.uid}:${at.toISOString()}`, at, fields, `event ${event.uid}`));
    }
  }
  return out;
}

export function readCalendar(file: string): CalendarEntry[] {
  if (!fs.existsSync(file)) throw new InputError(`${file}: no such file`);
  if (/\.csv$/i.test(file)) return readCalendarCsv(file);
  try {
    return readCalendarIcs(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Upserts entries; one that already started its run is left as it is. */
export async function upsertCalendar(db: Queryable, entries: readonly CalendarEntry[], leadDays: number, source: string): Promise<number> {
  for (const e of entries) {
    const due = new Date(e.publishAt.getTime() - leadDays * 86_400_000);
    await db.query(
      `INSERT INTO mailroom.content_calendar (id, source, due_at, brief) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, brief = EXCLUDED.brief, source = EXCLUDED.source WHERE mailroom.content_calendar.run_id IS NULL`,
      [e.id, source, due, toJsonb({ ...e.brief, publish_at: e.publishAt.toISOString() })],
    );
  }
  return entries.length;
}

/**
 * Starts the run of every due entry, once. A publication time already past is dropped from the
 * brief (published on approval instead of "scheduled" in the past).
 */
export async function startDueEntries(deps: { pool: pg.Pool; engine: Engine }, now = new Date()): Promise<string[]> {
  return withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<{ id: string; brief: Record<string, unknown> }>(
      `SELECT id, brief FROM mailroom.content_calendar WHERE run_id IS NULL AND due_at <= $1 ORDER BY due_at, id LIMIT 20 FOR UPDATE SKIP LOCKED`,
      [now],
    );
    const started: string[] = [];
    for (const row of rows) {
      const brief = { ...row.brief };
      if (typeof brief.publish_at === 'string' && new Date(brief.publish_at).getTime() <= now.getTime()) delete brief.publish_at;
      const { runId } = await deps.engine.startRun(contentWorkflow, { ...brief, calendar_entry: row.id }, { tx, idempotencyKey: `calendar:${row.id}`, startedBy: 'calendar' });
      await tx.query('UPDATE mailroom.content_calendar SET run_id = $2, started_at = now() WHERE id = $1', [row.id, runId]);
      started.push(runId);
    }
    return started;
  });
}

/** Polls for due entries in a worker or the service; stops with the app. */
export function startCalendarPoller(deps: { pool: pg.Pool; engine: Engine; log: Logger; intervalMs?: number }): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = startDueEntries(deps)
      .then((ids) => ids.length && deps.log.info({ runs: ids }, 'content calendar entries started'))
      .catch((err: unknown) => deps.log.warn({ err: errorMessage(err) }, 'content calendar pass failed'));
  };
  const timer = setInterval(tick, deps.intervalMs ?? 60_000);
  timer.unref();
  tick();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
