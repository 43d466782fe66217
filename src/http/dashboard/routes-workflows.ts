/** `/leads`, `/leads/:id`, `/candidates`, `/content`: read-only pages over the workflows' query modules (the CLI's and the API's). */
import { CANDIDATE_STAGES, listCandidates } from '../../queries/candidates.ts';
import { listContentPieces, PIECE_STATUSES } from '../../queries/content.ts';
import { getLeadDetail, listLeads } from '../../queries/leads.ts';
import { listJobs } from '../../workflows/hiring/jobs.ts';
import { isUuid } from '../../uuid.ts';
import type { DashboardRoutes } from './context.ts';
import { messagePage, page } from './layout.ts';
import { candidatesPage } from './pages/candidates.ts';
import { contentPage } from './pages/content.ts';
import { LEAD_BANDS, LEAD_STATUSES, leadPage, leadsPage } from './pages/leads.ts';

/** A filter value from the URL only when it is one of the known values (anything else: no filter). */
const oneOf = <T extends string>(value: string | undefined, known: readonly T[]): T | undefined => (known.includes(value as T) ? (value as T) : undefined);

export function registerWorkflowPages({ app, deps }: DashboardRoutes): void {
  const { pool } = deps;

  app.get('/leads', async (c) => {
    const f = { status: oneOf(c.req.query('status'), LEAD_STATUSES), band: oneOf(c.req.query('band'), LEAD_BANDS) };
    return c.html(page({ title: 'Leads', session: c.get('session'), section: '/leads', live: 'leads' }, leadsPage(await listLeads(pool, { ...f, limit: 1000 }), f)));
  });

  app.get('/leads/:id', async (c) => {
    const o = { title: 'Lead', session: c.get('session'), section: '/leads' };
    const id = c.req.param('id');
    // Ids only: the query module also takes an email, which has no place in a URL's path.
    const lead = isUuid(id) ? await getLeadDetail(pool, id) : undefined;
    if (!lead) return c.html(messagePage(o, 'Not found', 'No lead with this id.'), 404);
    return c.html(page({ ...o, title: `Lead ${lead.email}`, live: lead.run_id ? `run:${lead.run_id}` : undefined }, leadPage(lead)));
  });

  app.get('/candidates', async (c) => {
    const job = c.req.query('job')?.trim().slice(0, 200) || undefined;
    const stage = oneOf(c.req.query('stage'), CANDIDATE_STAGES);
    const [rows, jobs] = await Promise.all([listCandidates(pool, { job, stage }), listJobs(pool)]);
    return c.html(page({ title: 'Candidates', session: c.get('session'), section: '/candidates', live: 'candidates' }, candidatesPage(rows, { job, stage, jobs: jobs.map((j) => j.id) })));
  });

  app.get('/content', async (c) => {
    const status = oneOf(c.req.query('status'), PIECE_STATUSES);
    return c.html(page({ title: 'Content', session: c.get('session'), section: '/content', live: 'content' }, contentPage(await listContentPieces(pool, { status }), { status })));
  });
}
