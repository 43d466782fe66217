/**
 * Prometheus metrics on GET /metrics. Run counts are read from the database at scrape time, so
 * every worker process reports the same truth; process metrics come from prom-client defaults.
 */
import client from 'prom-client';
import type pg from 'pg';
import { countRunsByState } from '../engine/inspect.ts';

export function createMetrics(pool: pg.Pool) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'mailroom_' });
  new client.Gauge({
    name: 'mailroom_runs',
    help: 'Runs by workflow and state',
    labelNames: ['workflow', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await countRunsByState(pool)) this.set({ workflow: r.workflow, state: r.state }, r.n);
    },
  });
  return registry;
}
