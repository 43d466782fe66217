import type { Queryable } from './run-store.ts';
import { insertEvent, lockMatchers, waitersFor } from './event-store.ts';
import type { RunQueue } from './queue.ts';

/**
 * Stores an event and rings every run waiting for it, inside the caller's transaction (which
 * must be open): see event-store.ts for why the advisory lock makes this race-free.
 */
export async function emitEvent(
  tx: Queryable,
  queue: RunQueue,
  event: { name: string; key: string; payload: unknown; source?: string },
): Promise<number> {
  await lockMatchers(tx, [{ name: event.name, key: event.key }]);
  const id = await insertEvent(tx, event);
  for (const w of await waitersFor(tx, event.name, event.key)) {
    await queue.ring(tx, w.workflow, { runId: w.run_id, reason: `event ${event.name}`, stepId: w.step_id });
  }
  return id;
}
