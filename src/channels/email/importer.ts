/**
 * Backfilling history (`mailroom import`): an mbox file or a folder of .eml files into intake,
 * streaming, several messages in flight, resumable.
 *
 * The checkpoint (mailroom.import_checkpoints, keyed by the source's absolute path) is the byte
 * offset (mbox) or file index (folder) of the oldest message not yet accepted: messages finish
 * out of order when several are in flight, and only a contiguous prefix is recorded as done. An
 * interrupted import restarts from there; the few messages in flight past it are accepted again
 * and reported by intake as duplicates.
 */
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { InputError, errorMessage } from '../../errors.ts';
import { messageIdOf, type IntakePort } from './intake-port.ts';
import { readMbox } from './mbox.ts';

export interface ImportProgress {
  kind: 'mbox' | 'folder';
  /** Bytes (mbox) or files (folder) done so far / in total. */
  position: number;
  total: number;
  imported: number;
  duplicates: number;
  failed: number;
}

export interface ImportSummary extends ImportProgress {
  source: string;
  resumedFrom: number;
  done: boolean;
  elapsedMs: number;
}

export interface ImportOptions {
  pool: pg.Pool;
  intake: IntakePort;
  source: string;
  concurrency?: number;
  /** Forget the checkpoint and start from the beginning. */
  restart?: boolean;
  onProgress?: (p: ImportProgress) => void;
  /** Stop after this many messages (tests of resumption). */
  limit?: number;
  signal?: AbortSignal;
}

interface Unit {
  bytes: Buffer;
  /** Position of this unit (checkpoint value while it is unfinished). */
  at: number;
  /** Position after it. */
  next: number;
  path?: string;
}

async function loadCheckpoint(pool: pg.Pool, source: string) {
  const { rows } = await pool.query<{ position: string; imported: number; duplicates: number; failed: number; done: boolean }>(
    `SELECT position, imported, duplicates, failed, done FROM mailroom.import_checkpoints WHERE source = $1`,
    [source],
  );
  return rows[0] && { ...rows[0], position: Number(rows[0].position) };
}

async function saveCheckpoint(pool: pg.Pool, source: string, kind: string, p: { position: number; imported: number; duplicates: number; failed: number; done: boolean }) {
  await pool.query(
    `INSERT INTO mailroom.import_checkpoints (source, kind, position, imported, duplicates, failed, done) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (source) DO UPDATE SET position = $3, imported = $4, duplicates = $5, failed = $6, done = $7, updated_at = now()`,
    [source, kind, p.position, p.imported, p.duplicates, p.failed, p.done],
  );
}

async function* folderUnits(dir: string, from: number): AsyncGenerator<Unit> {
  const files = listFolder(dir);
  for (let i = from; i < files.length; i++) {
    const file = files[i]!;
    yield { bytes: fs.readFileSync(file), at: i, next: i + 1, path: file };
  }
}

function listFolder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => path.join(dir, e.name))
    .sort();
}

export async function importMessages(options: ImportOptions): Promise<ImportSummary> {
  const t0 = Date.now();
  const source = path.resolve(options.source);
  const st = fs.statSync(source, { throwIfNoEntry: false });
  if (!st) throw new InputError(`${options.source}: no such file or folder`);
  const kind: 'mbox' | 'folder' = st.isDirectory() ? 'folder' : 'mbox';
  const total = kind === 'mbox' ? st.size : listFolder(source).length;
  const { pool, intake } = options;
  const concurrency = Math.max(1, options.concurrency ?? 8);

  const saved = options.restart ? undefined : await loadCheckpoint(pool, source);
  const counts = { imported: saved?.imported ?? 0, duplicates: saved?.duplicates ?? 0, failed: saved?.failed ?? 0 };
  const resumedFrom = saved?.done ? total : (saved?.position ?? 0);
  if (saved?.done && !options.restart) {
    return { source, kind, position: total, total, ...counts, resumedFrom, done: true, elapsedMs: Date.now() - t0 };
  }

  // Units in flight, in order: the checkpoint is the position of the first unfinished one.
  const inflight: Array<{ unit: Unit; done: boolean }> = [];
  let checkpoint = resumedFrom;
  let lastSaved = Date.now();
  let failure: unknown;
  let seen = 0;
  const report = () => options.onProgress?.({ kind, position: checkpoint, total, ...counts });

  const settle = async () => {
    while (inflight.length && inflight[0]!.done) checkpoint = inflight.shift()!.unit.next;
    if (Date.now() - lastSaved > 1000) {
      lastSaved = Date.now();
      await saveCheckpoint(pool, source, kind, { position: checkpoint, ...counts, done: false });
      report();
    }
  };

  const take = async (entry: { unit: Unit; done: boolean }) => {
    try {
      const r = await intake.accept({
        kind: 'email',
        bytes: entry.unit.bytes,
        dedupeKey: messageIdOf(entry.unit.bytes),
        source: { channel: 'import', path: entry.unit.path ?? `${source}#${entry.unit.at}` },
      });
      if (r.duplicate) counts.duplicates++;
      else counts.imported++;
    } catch (err) {
      if (err instanceof InputError) counts.failed++;
      else failure ??= err;
    }
    entry.done = !failure;
  };

  const running = new Set<Promise<void>>();
  const units = kind === 'mbox' ? mboxUnits(source, resumedFrom) : folderUnits(source, resumedFrom);
  let exhausted = true;
  for await (const unit of units) {
    if (failure || options.signal?.aborted || (options.limit !== undefined && seen >= options.limit)) {
      exhausted = false;
      break;
    }
    seen++;
    const entry = { unit, done: false };
    inflight.push(entry);
    const p = take(entry).finally(() => running.delete(p));
    running.add(p);
    if (running.size >= concurrency) await Promise.race(running);
    await settle();
  }
  await Promise.all(running);
  while (inflight.length && inflight[0]!.done) checkpoint = inflight.shift()!.unit.next;
  const done = exhausted && !failure && !inflight.length;
  await saveCheckpoint(pool, source, kind, { position: done ? total : checkpoint, ...counts, done });
  if (done) checkpoint = total;
  report();
  if (failure) throw new Error(`import stopped at position ${checkpoint} (resumable): ${errorMessage(failure)}`, { cause: failure });
  return { source, kind, position: checkpoint, total, ...counts, resumedFrom, done, elapsedMs: Date.now() - t0 };
}

async function* mboxUnits(file: string, from: number): AsyncGenerator<Unit> {
  for await (const m of readMbox(file, { start: from })) yield { bytes: m.bytes, at: m.start, next: m.end };
}
