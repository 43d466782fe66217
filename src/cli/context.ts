/**
 * Shared plumbing for CLI commands: load and validate config (a bad value prints the variable's
 * name and exits 78 before anything starts), build the app in the command's role, and shut it
 * down cleanly on SIGINT/SIGTERM or when the command is done.
 */
import { loadConfig, type Config } from '../config.ts';
import { isConnectionError } from '../db/connection-errors.ts';
import { ConfigError, errorMessage, MailroomError } from '../errors.ts';
import { createLogger, setLogger, type Logger } from '../logger.ts';
import { createApp, type App, type AppRole } from '../main.ts';

/** EX_CONFIG from sysexits.h: the configuration is wrong. */
export const EXIT_CONFIG = 78;

export function loadConfigOrExit(options: { quiet?: boolean } = {}): { config: Config; log: Logger } {
  try {
    const config = loadConfig();
    // One-shot commands print results on stdout; their logs stay at warnings unless LOG_LEVEL says otherwise.
    const log = createLogger(options.quiet && !process.env.LOG_LEVEL ? 'warn' : config.logLevel);
    setLogger(log);
    return { config, log };
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`mailroom: ${err.message}`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}

/** Runs `fn` with an app in `role`, then stops it; prints errors as one clear line. */
export async function withApp<T>(role: AppRole, fn: (app: App) => Promise<T>): Promise<T | undefined> {
  const { config, log } = loadConfigOrExit({ quiet: true });
  let app: App | undefined;
  try {
    app = await createApp(config, log, role);
    return await fn(app);
  } catch (err) {
    reportError(err);
    return undefined;
  } finally {
    await app?.stop();
  }
}

/** Runs a long-lived app until SIGINT/SIGTERM, then stops it in order (workers, then database). */
export async function serve(role: AppRole): Promise<void> {
  const { config, log } = loadConfigOrExit();
  let app: App;
  try {
    app = await createApp(config, log, role);
  } catch (err) {
    reportError(err);
    process.exit(process.exitCode ?? 1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  const where = app.http ? ` on http://localhost:${app.http.port}` : '';
  log.info({ role, database: config.databaseUrl ? 'DATABASE_URL' : 'embedded' }, `mailroom ${role} ready${where}`);
}

export function reportError(err: unknown): void {
  if (err instanceof ConfigError) {
    console.error(`mailroom: ${err.message}`);
    process.exitCode = EXIT_CONFIG;
  } else if (err instanceof MailroomError) {
    console.error(`mailroom: ${err.message}`);
    process.exitCode = err.code === 'NOT_FOUND' || err.code === 'INPUT_INVALID' ? 2 : 1;
  } else if (isConnectionError(err)) {
    // The database is not there: say so and where, not a stack of pg-pool frames.
    const target = process.env.DATABASE_URL ? `DATABASE_URL (${redactUrl(process.env.DATABASE_URL)})` : 'the embedded PostgreSQL';
    console.error(`mailroom: cannot reach the database at ${target}: ${errorMessage(err)}. Is it running, and is DATABASE_URL right?`);
    process.exitCode = 69;
  } else {
    console.error(`mailroom: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  }
}

/** A connection URL without its password. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'unparsable';
  }
}
