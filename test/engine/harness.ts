import { pino } from 'pino';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import type { EngineSettings } from '../../src/config.ts';
import type { WorkflowDefinition } from '../../src/engine/types.ts';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { testEngineSettings } from './settings.ts';

export interface EngineFixture {
  db: TestDatabase;
  engine: Engine;
  close(): Promise<void>;
}

/** A fresh database and a started engine (with workers) running the given workflows. */
export async function engineFixture(workflows: WorkflowDefinition<any, any, any>[], overrides: Partial<EngineSettings> = {}, options: { workers?: boolean } = {}): Promise<EngineFixture> {
  const db = await testDatabase();
  const engine = createEngine({
    pool: db.pool,
    databaseUrl: db.url,
    settings: testEngineSettings(overrides),
    log: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    services: { pool: db.pool },
    pollSeconds: 0.5,
  });
  engine.register(...workflows);
  await engine.start({ workers: options.workers ?? true });
  return {
    db,
    engine,
    async close() {
      await engine.stop();
      await db.close();
    },
  };
}

export async function runRow(db: TestDatabase, id: string) {
  const { rows } = await db.pool.query('SELECT * FROM mailroom.runs WHERE id = $1', [id]);
  return rows[0];
}

export async function transitions(db: TestDatabase, id: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ from_state: string | null; to_state: string; reason: string }>(
    'SELECT from_state, to_state, reason FROM mailroom.run_transitions WHERE run_id = $1 ORDER BY id',
    [id],
  );
  return rows.map((r) => `${r.from_state ?? '∅'}→${r.to_state}: ${r.reason}`);
}
