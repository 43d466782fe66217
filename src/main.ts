/**
 * Wires the service together: config → database → queue/engine → policy → channels → HTTP.
 * Three roles share this wiring: `service` (everything, `mailroom start`), `worker` (executes
 * runs only, for scale-out, and `mailroom process`) and `cli` (a short-lived command that reads
 * state or starts runs without executing them).
 */
import type { Config } from './config.ts';
import { postgresLedger } from './data/ledger.ts';
import { openDatabase, type Database } from './db/database.ts';
import { createEngine, type Engine } from './engine/engine.ts';
import { createSlackApp } from './channels/slack/app.ts';
import { pruneCompletedRuns } from './engine/retention.ts';
import { startHttpServer, type HttpServer } from './http/server.ts';
import { createIntake, type Intake } from './intake/intake.ts';
import type { Logger } from './logger.ts';
import { runCorrespondents } from './policy/correspondents.ts';
import { createPolicyGate } from './policy/gate.ts';
import { loadPolicy } from './policy/load.ts';
import type { AppServices } from './services.ts';
import { bindPorts } from './workflows/bindings.ts';
import { allWorkflows } from './workflows/index.ts';
import type { WorkflowServices } from './workflows/ports.ts';

export type AppRole = 'service' | 'worker' | 'cli';

export interface App {
  config: Config;
  log: Logger;
  db: Database;
  engine: Engine;
  http: HttpServer | undefined;
  services: AppServices & WorkflowServices;
  intake: Intake;
  /** An intake whose runs are forced onto one workflow (`mailroom process --workflow`). */
  intakeWith(options: { workflow: string }): Intake;
  stop(): Promise<void>;
}

export async function createApp(config: Config, log: Logger, role: AppRole): Promise<App> {
  // The policy is validated before anything starts: a bad policy file stops start-up.
  const policy = loadPolicy(config);
  const db = await openDatabase(config, log, { poolSize: role === 'cli' ? 5 : 20 });
  const stops: Array<() => Promise<void>> = [() => db.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.warn({ err: String(err) }, 'error while stopping'));
  };
  try {
    const ports = await bindPorts({ config, pool: db.pool, log, role });
    stops.push(() => ports.close());
    const services: AppServices & WorkflowServices = { config, pool: db.pool, log, policy, ledger: postgresLedger(db.pool), ...ports.services };
    const engine = createEngine({ pool: db.pool, databaseUrl: db.url, settings: config.engine, log, services });
    engine.setGate(createPolicyGate({ pool: db.pool, policy, correspondents: (runId) => runCorrespondents(db.pool, runId) }));
    engine.register(...allWorkflows);
    await engine.start({ workers: role !== 'cli' });
    stops.push(() => engine.stop());

    const intakeWith = (forced?: { workflow: string }) =>
      createIntake({
        pool: db.pool,
        engine,
        workflowFor: (item) => (item.kind === 'trigger' ? undefined : 'router'),
        inputFor: () => (forced ? { workflow: forced.workflow } : {}),
      });
    const intake = intakeWith();

    // Slack, when configured: its notifier posts approval requests (workers too), and in HTTP
    // mode the service mounts Bolt's receiver at POST /slack/events.
    const env = config.env;
    const slack =
      role !== 'cli' && env.SLACK_BOT_TOKEN && (env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN)
        ? createSlackApp({ config, pool: db.pool, engine, intakeWith: (o) => intakeWith(o), log })
        : undefined;
    if (slack) {
      services.notifier = slack.notifier;
      services.progress = slack.progress;
      if (role === 'service') {
        await slack.start();
        stops.push(() => slack.stop());
      }
    }

    if (role !== 'cli') {
      const retention = setInterval(() => {
        pruneCompletedRuns(db.pool, config.engine.retentionDays)
          .then((n) => n && log.info({ pruned: n }, 'pruned payloads of old completed runs'))
          .catch((err) => log.warn({ err: String(err) }, 'retention pass failed'));
      }, 3600_000);
      retention.unref();
      stops.push(async () => clearInterval(retention));
    }

    let http: HttpServer | undefined;
    if (role === 'service') {
      http = await startHttpServer({
        port: config.port,
        pool: db.pool,
        log,
        queueReady: async () => (await db.pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'mailroom_queue'`)).rowCount === 1,
      });
      const server = http;
      stops.push(() => server.close());
      if (slack?.handler) server.mount('POST', '/slack/events', slack.handler);
      const channels = await ports.startChannels({ intake, http });
      stops.push(() => channels.stop());
    }
    return { config, log, db, engine, http, services, intake, intakeWith, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
