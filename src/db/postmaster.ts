/**
 * Is the postmaster named in a data dir's `postmaster.pid` really serving? After a hard crash
 * (power cut, OOM killer, `docker kill`) the lock file outlives its server, and the pid in it is
 * no proof of life: under a PID 1 that does not reap orphans the dead postmaster stays a zombie,
 * so kill(pid, 0) still succeeds; after a reboot the pid may belong to an unrelated process.
 * PostgreSQL itself refuses to start over a lock whose pid exists, so we must decide first.
 *
 *   no lock file ─────────────────────────────────────────────► none
 *   pid gone │ zombie │ not a postgres for this data dir ──────► stale: remove the lock, start
 *   a postgres for this data dir whose port answers SELECT 1 ──► live: attach to it
 *   a postgres for this data dir that does not answer (yet) ──► starting: wait; its lock is never
 *                                                               removed (two postmasters on one
 *                                                               data dir would corrupt it)
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

export type PostmasterState =
  | { state: 'none' }
  | { state: 'stale'; pid: number; port?: number; reason: string }
  | { state: 'live'; pid: number; port: number }
  | { state: 'starting'; pid: number; port: number; reason: string };

export const LOCK_FILE = 'postmaster.pid';

interface LockFile {
  pid: number;
  dataDir: string;
  port: number;
}

/** postmaster.pid: line 1 the pid, line 2 the data dir, line 4 the port (PostgreSQL's miscinit.c). */
function readLock(pgDir: string): LockFile | undefined | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(path.join(pgDir, LOCK_FILE), 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unreadable';
  }
  const lines = text.split('\n');
  // A standalone backend (`postgres --single`) writes its pid negated.
  const pid = Math.abs(Number(lines[0]));
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid === 0 || !Number.isInteger(port) || lines.length < 5) return 'unreadable';
  return { pid, dataDir: lines[1] ?? '', port };
}

/** The one-letter state from /proc/<pid>/stat (R, S, D, T, Z, X…), or undefined if there is no such process. */
export function processState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Without /proc (macOS), fall back to kill(pid, 0): a zombie cannot be told apart there. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the process is not a running postgres serving `pgDir`, or undefined when it is one. */
function notOurPostmaster(pid: number, pgDir: string): string | undefined {
  if (!fs.existsSync('/proc/self/stat')) return exists(pid) ? undefined : `process ${pid} is gone`;
  const state = processState(pid);
  if (state === undefined) return `process ${pid} is gone`;
  if (state === 'Z' || state === 'X') return `process ${pid} is a zombie (dead, not reaped by its parent)`;
  let comm = '';
  let args: string[] = [];
  try {
    comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    // Unreadable (hidepid, another user): judge by what could be read.
  }
  if (comm && comm !== 'postgres') return `process ${pid} is "${comm}", not postgres (its pid was reused)`;
  // The postmaster keeps its command line (`postgres -D <dir> ...`); only its children retitle themselves.
  const dir = args.indexOf('-D');
  if (dir >= 0 && path.resolve(args[dir + 1] ?? '') !== path.resolve(pgDir)) return `process ${pid} is a postgres for another data directory`;
  return undefined;
}

/** Connects and runs SELECT 1: a TCP accept alone could be any process on a reused port. */
export async function postgresAnswers(url: string, timeoutMs = 3000): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message || String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Reads the lock file and checks its process and port. `urlFor` builds the connection URL for a
 * port (the caller knows the credentials).
 */
export async function inspectPostmaster(pgDir: string, urlFor: (port: number) => string): Promise<PostmasterState> {
  let lock = readLock(pgDir);
  if (lock === 'unreadable') {
    // PostgreSQL creates the file, then writes its first five lines in one write: an empty or
    // short file may be a postmaster starting this very moment. Look once more before judging.
    await new Promise((r) => setTimeout(r, 300));
    lock = readLock(pgDir);
  }
  if (lock === undefined) return { state: 'none' };
  if (lock === 'unreadable') return { state: 'stale', pid: 0, reason: `${LOCK_FILE} is unreadable or malformed` };
  const why = notOurPostmaster(lock.pid, pgDir);
  if (why) return { state: 'stale', pid: lock.pid, port: lock.port, reason: why };
  const answer = await postgresAnswers(urlFor(lock.port));
  if (answer.ok) return { state: 'live', pid: lock.pid, port: lock.port };
  return { state: 'starting', pid: lock.pid, port: lock.port, reason: answer.reason };
}

/** Removes the lock file only if it still names `pid`: another process may have started a server meanwhile. */
export function removeStaleLock(pgDir: string, pid: number): boolean {
  const lock = readLock(pgDir);
  if (lock === undefined) return false;
  if (lock !== 'unreadable' && lock.pid !== pid) return false;
  fs.rmSync(path.join(pgDir, LOCK_FILE), { force: true });
  return true;
}
