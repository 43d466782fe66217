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
import { createRequesterResolver } from './approvals/requesters.ts';
import { createSlackApp } from './channels/slack/app.ts';
import { pruneCompletedRuns } from './engine/retention.ts';
import { eraseExpiredCandidates } from './workflows/hiring/erase.ts';
import { API_PREFIXES, createApi } from './http/api.ts';
import { loadApiTokens } from './http/auth.ts';
import { createDashboard, DASHBOARD_PREFIXES } from './http/dashboard/index.ts';
import { startHttpServer, type HttpServer } from './http/server.ts';
import { createIntake, type Intake } from './intake/intake.ts';
import type { Logger } from './logger.ts';
import { runCorrespondents } from './policy/correspondents.ts';
import { createPolicyGate } from './policy/gate.ts';
import { loadPolicy } from './policy/load.ts';
import type { AppServices } from './services.ts';
import { checkScheduleInputs, loadTriggers } from './triggers/file.ts';
import { openScheduler, type Scheduler } from './triggers/scheduler.ts';
import { bindPorts } from './workflows/bindings.ts';
import { startCalendarPoller } from './workflows/content/calendar.ts';
import { contentPorts } from './workflows/content/services.ts';
import { allWorkflows, routes } from './workflows/index.ts';
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
  const triggers = loadTriggers(config);
  checkScheduleInputs(triggers, (name) => allWorkflows.find((w) => w.name === name)?.input);
  const apiTokens = role === 'service' ? loadApiTokens(config, log) : [];
  const db = await openDatabase(config, log, { poolSize: role === 'cli' ? 5 : Math.max(20, config.engine.concurrency) });
  const stops: Array<() => Promise<void>> = [() => db.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.warn({ err: String(err) }, 'error while stopping'));
  };
  try {
    const ports = await bindPorts({ config, pool: db.pool, log, role });
    stops.push(() => ports.close());
    const services: AppServices & WorkflowServices = { config, pool: db.pool, log, policy, ledger: postgresLedger(db.pool), ...ports.services };
    // The content workflow's CMS and brand file are checked now: a bad CMS setting or brand path stops start-up, naming it.
    if (role !== 'cli') contentPorts(services);
    const engine = createEngine({ pool: db.pool, databaseUrl: db.url, settings: config.engine, log, services });
    engine.setGate(createPolicyGate({ pool: db.pool, policy, correspondents: (runId) => runCorrespondents(db.pool, runId) }));
    engine.register(...allWorkflows);
    await engine.start({ workers: role !== 'cli' });
    stops.push(() => engine.stop());
    let scheduler: Scheduler | undefined;
    if (role !== 'cli') {
      const started = await openScheduler({ databaseUrl: db.url, pool: db.pool, engine, triggers, log, mode: 'run' });
      scheduler = started;
      stops.push(() => started.stop());
    }

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
        ? createSlackApp({ config, pool: db.pool, engine, intakeWith: (o) => intakeWith(o), log, workflows: routes.specs.filter((r) => r.installed).map((r) => r.workflow) })
        : undefined;
    services.resolveRequester = createRequesterResolver(policy);
    services.events = { send: (name, key, payload) => engine.sendEvent(name, key, payload, 'router') };
    if (slack) {
      services.notifier = slack.notifier;
      services.progress = slack.progress;
      services.directMessage = slack.directMessage;
      services.resolveRequester = createRequesterResolver(policy, slack.lookupByEmail);
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
        // Applicants past hiring.retention (not in the talent pool): personal data goes, decisions stay.
        eraseExpiredCandidates({ pool: db.pool, cancelRun: (id, why) => engine.cancelRun(id, why) })
          .then((r) => r.candidates && log.info({ pseudonymised: r.candidates }, 'hiring retention: applicants past hiring.retention pseudonymised'))
          .catch((err) => log.warn({ err: String(err) }, 'hiring retention pass failed'));
      }, config.engine.retentionIntervalMs);
      retention.unref();
      stops.push(async () => clearInterval(retention));
      // Content calendar entries start their runs when due (a claimed row: once across workers).
      stops.push(startCalendarPoller({ pool: db.pool, engine, log }));
    }

    let http: HttpServer | undefined;
    if (role === 'service') {
      http = await startHttpServer({
        port: config.port,
        pool: db.pool,
        log,
        queueReady: async () => {
          const h = await engine.health();
          return h.up || { down: h.reason };
        },
      });
      const server = http;
      stops.push(() => server.close());
      if (slack?.handler) server.mount('POST', '/slack/events', slack.handler);
      server.mountPrefix(API_PREFIXES, createApi({ config, pool: db.pool, engine, log, triggers, tokens: apiTokens, scheduler }).handler);
      // The web dashboard at / (runs, approvals, costs, mailboxes, outbox; live over SSE).
      const dashboard = createDashboard({ config, pool: db.pool, engine, log, tokens: apiTokens });
      stops.push(() => dashboard.stop());
      server.mount('GET', '/', dashboard.handler);
      server.mountPrefix(DASHBOARD_PREFIXES, dashboard.handler);
      const channels = await ports.startChannels({ intake, http });
      stops.push(() => channels.stop());
    }
    return { config, log, db, engine, http, services, intake, intakeWith, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
