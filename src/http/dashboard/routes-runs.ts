/** `/runs`, `/runs/bulk`, `/runs/:id` and its retry/cancel: the engine's own operations, as the CLI and API use them. */
import { InputError, MailroomError, errorMessage } from '../../errors.ts';
import { isRunId, runTrace } from '../../engine/inspect.ts';
import { itemOfRun } from '../../queries/items.ts';
import { countRuns, runFacets, runIdsMatching, searchRuns } from '../../queries/run-search.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { NOTICES, type DashboardRoutes } from './context.ts';
import { messagePage, page } from './layout.ts';
import { runStory } from './pages/run.ts';
import { BULK, bulkConfirmPage, parseFilter, runsPage, type FilterParams } from './pages/runs.ts';
import { requireAct } from './routes-auth.ts';

const PAGE_SIZE = 50;
const BULK_CAP = 500;

const filterParams = (get: (k: string) => string | undefined): FilterParams => ({
  state: get('state'),
  workflow: get('workflow'),
  channel: get('channel'),
  since: get('since'),
  until: get('until'),
  q: get('q'),
});

export function registerRunPages({ app, deps, live }: DashboardRoutes): void {
  const { pool, engine, log } = deps;

  app.get('/', (c) => c.redirect('/runs', 302));

  app.get('/runs', async (c) => {
    const session = c.get('session');
    const { filter, params } = parseFilter(filterParams((k) => c.req.query(k)));
    const cursor = c.req.query('cursor');
    const before = cursor ? decodeCursor(cursor) : undefined;
    const [list, facets] = await Promise.all([searchRuns(pool, filter, { limit: PAGE_SIZE, before }), runFacets(pool)]);
    const body = runsPage({ params, runs: list.runs, next: list.next ? encodeCursor(list.next) : null, facets, canAct: session.canAct, first: !before });
    return c.html(page({ title: 'Runs', session, section: '/runs', live: before ? undefined : 'runs' }, body));
  });

  app.get('/runs/bulk', requireAct, async (c) => {
    const session = c.get('session');
    const action = c.req.query('action') === 'retry' ? 'retry' : 'cancel';
    const { filter, params } = parseFilter(filterParams((k) => c.req.query(k)));
    const counts = await countRuns(pool, filter, BULK[action].states);
    return c.html(page({ title: `Bulk ${action}`, session, section: '/runs' }, bulkConfirmPage({ action, params, ...counts, cap: BULK_CAP })));
  });

  app.post('/runs/bulk', requireAct, async (c) => {
    const session = c.get('session');
    const form = await c.req.parseBody();
    const get = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : undefined);
    const action = get('action') === 'retry' ? 'retry' : 'cancel';
    const { filter, params } = parseFilter(filterParams(get));
    const ids = await runIdsMatching(pool, filter, BULK[action].states, BULK_CAP);
    // What was confirmed is what happens: if the matching set changed size, ask again.
    if (String(ids.length) !== get('expected')) {
      const counts = await countRuns(pool, filter, BULK[action].states);
      return c.html(page({ title: `Bulk ${action}`, session, section: '/runs', flash: { kind: 'error', text: `The number of matching runs changed (now ${ids.length}); check again before going on.` } }, bulkConfirmPage({ action, params, ...counts, cap: BULK_CAP })), 409);
    }
    let done = 0;
    const failed: string[] = [];
    for (const id of ids) {
      try {
        if (action === 'retry') await engine.retryRun(id);
        else if (await engine.cancelRun(id, `cancelled by ${session.identity} (bulk, dashboard)`)) done++;
        if (action === 'retry') done++;
      } catch (err) {
        failed.push(`${id}: ${errorMessage(err)}`);
      }
    }
    log.info({ identity: session.identity, action, done, failed: failed.length }, 'dashboard bulk action');
    const text = `${action === 'retry' ? 'Retried' : 'Cancelled'} ${done} of ${ids.length} runs.${failed.length ? ` Not done: ${failed.slice(0, 5).join('; ')}${failed.length > 5 ? ` and ${failed.length - 5} more` : ''}` : ''}`;
    const counts = await countRuns(pool, filter, BULK[action].states);
    return c.html(page({ title: `Bulk ${action}`, session, section: '/runs', flash: { kind: failed.length ? 'error' : 'ok', text } }, bulkConfirmPage({ action, params, ...counts, cap: BULK_CAP })));
  });

  app.get('/runs/:id', async (c) => {
    const session = c.get('session');
    const id = c.req.param('id');
    const trace = await runTrace(pool, id);
    if (!trace) return c.html(messagePage({ title: 'Not found', session, section: '/runs' }, 'Not found', `There is no run ${id}.`), 404);
    const item = await itemOfRun(pool, trace.run);
    const watched = [trace.run.id, ...(trace.parent ? [trace.parent.id] : []), ...trace.children.map((x) => x.id)].join(',');
    const notice = NOTICES[c.req.query('done') ?? ''];
    return c.html(page({ title: `Run ${trace.run.workflow}`, session, section: '/runs', live: `run:${watched}`, flash: notice ? { kind: 'ok', text: notice } : undefined }, runStory(trace, item, session.canAct)));
  });

  for (const action of ['retry', 'cancel'] as const) {
    app.post(`/runs/:id/${action}`, requireAct, async (c) => {
      const session = c.get('session');
      const id = c.req.param('id');
      if (!isRunId(id)) return c.html(messagePage({ title: 'Not found', session }, 'Not found', `There is no run ${id}.`), 404);
      const form = await c.req.parseBody();
      const resolution = form.actions === 'done' || form.actions === 'repeat' ? form.actions : undefined;
      try {
        if (action === 'retry') await engine.retryRun(id, { actions: resolution });
        else if (!(await engine.cancelRun(id, `cancelled by ${session.identity} (dashboard)`))) throw new InputError('the run has already ended; nothing changed');
      } catch (err) {
        if (!(err instanceof MailroomError)) throw err;
        const trace = await runTrace(pool, id);
        if (!trace) return c.html(messagePage({ title: 'Not found', session }, 'Not found', `There is no run ${id}.`), 404);
        // The engine speaks the CLI's flags; here they are the two retry buttons.
        const message = err.message.replace(/retry with --actions done \(they happened\) or --actions repeat \(they did not\)/, 'choose one of the retry buttons');
        return c.html(page({ title: 'Run', session, section: '/runs', flash: { kind: 'error', text: message } }, runStory(trace, await itemOfRun(pool, trace.run), session.canAct)), 409);
      }
      log.info({ identity: session.identity, run_id: id, action }, `dashboard ${action}`);
      return c.redirect(`/runs/${id}?done=${action === 'retry' ? 'retried' : 'cancelled'}`, 303);
    });
  }

  app.get('/live/events', (c) => live.stream(c, c.req.header('last-event-id') ?? c.req.query('last')));
}
