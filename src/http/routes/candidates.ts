/**
 * `GET /api/v1/candidates` and `GET /api/v1/candidates/:id`: the same query module as
 * `mailroom candidates` and the dashboard (src/queries/candidates.ts). A pseudonymised
 * candidate shows its pseudonym, stage, verdicts and decision; its contact and resume are gone.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { CANDIDATE_STAGES, getCandidate, listCandidates } from '../../queries/candidates.ts';
import type { ApiApp, ApiDeps } from '../context.ts';
import { bearer, errors, json } from '../responses.ts';

const Candidate = z
  .object({
    id: z.string(), job: z.string().nullable(), email: z.string().nullable(), name: z.string().nullable(), resume: z.unknown(),
    requirements: z.array(z.object({ requirement: z.string(), kind: z.string(), verdict: z.string(), evidence: z.string().nullable() })),
    score: z.number().nullable(), gate_passed: z.boolean().nullable(),
    red_flags: z.array(z.object({ kind: z.string(), detail: z.string(), question: z.string() })),
    stage: z.enum(CANDIDATE_STAGES), decision: z.unknown(), talent_pool: z.boolean(), run_id: z.string().nullable(),
    received_at: z.string(), stage_changed_at: z.string(), retain_until: z.string().nullable(), pseudonymised: z.boolean(),
    booking: z.object({ starts_at: z.string(), ends_at: z.string(), status: z.string(), interviewer: z.string(), uid: z.string(), sequence: z.number() }).nullable(),
  })
  .openapi('Candidate');
const CandidatesQuery = z.object({ job: z.string().trim().min(1).max(200).optional(), stage: z.enum(CANDIDATE_STAGES).optional() });
const CandidateParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, description: 'candidate id' }) });

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/candidates',
  tags: ['hiring'],
  summary: 'applications with their stage, verdicts, score and red flags (oldest first)',
  security: bearer,
  request: { query: CandidatesQuery },
  responses: { 200: json(z.object({ candidates: z.array(Candidate) }), 'one object per application'), ...errors(401, 422) },
});

const showRoute = createRoute({
  method: 'get',
  path: '/api/v1/candidates/{id}',
  tags: ['hiring'],
  summary: 'one application',
  security: bearer,
  request: { params: CandidateParam },
  responses: { 200: json(Candidate, 'the candidate'), ...errors(401, 404, 422) },
});

export function registerCandidateRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openapi(listRoute, async (c) => c.json({ candidates: await listCandidates(deps.pool, c.req.valid('query')) } as never, 200));
  app.openapi(showRoute, async (c) => {
    const candidate = await getCandidate(deps.pool, c.req.valid('param').id);
    return candidate ? c.json(candidate as never, 200) : c.json({ error: 'no such candidate' }, 404);
  });
}
