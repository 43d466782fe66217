/**
 * The lead score, pure: ICP fit 0-40, intent 0-30, engagement 0-30, each the sum of factors
 * with their points, evidence and source (a companies-table row, a quote from the message, an
 * activity). The total is computed here, by code, from the factors; what judges words (the
 * offline rules in message-facts.ts, or a model) only says which signals are present, so the
 * same lead always scores the same.
 */
import type { Policy } from '../../policy/schema.ts';
import type { AddressFacts } from './enrich/domains.ts';
import type { Signal, StatedFact } from './enrich/message-facts.ts';
import type { Activity } from './form.ts';

export type Band = 'hot' | 'warm' | 'cold';
type Category = 'fit' | 'intent' | 'engagement';

export interface Factor {
  category: Category;
  factor: string;
  points: number;
  evidence: string;
  source: string;
}

/** A company as enrichment found it; `source` says where from (companies table, enrichment service, the message). */
export interface CompanyProfile {
  name: string | null;
  domain: string | null;
  employees: number | null;
  industry: string | null;
  revenue_usd: number | null;
  funding_stage: string | null;
  tech: string[];
  source: string;
  confidence: number;
}

export interface ScoreInput {
  address: AddressFacts;
  company: CompanyProfile | null;
  title: string | null;
  signals: Signal[];
  stated: StatedFact[];
  activity: Activity[];
  /** Form submissions so far (the first counts as the inbound request itself). */
  submissions: number;
  /** Mails the lead wrote to us (replies, a first email). */
  inboundMails: number;
  source: string | null;
}

export interface Score {
  factors: Factor[];
  fit: number;
  intent: number;
  engagement: number;
  total: number;
  band: Band;
}

export type Icp = Policy['lead']['icp'];
const CAPS: Record<Category, number> = { fit: 40, intent: 30, engagement: 30 };
const key = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

export function bandOf(total: number, thresholds: Policy['lead']['thresholds']): Band {
  return total > thresholds.hot ? 'hot' : total >= thresholds.warm ? 'warm' : 'cold';
}

export function scoreLead(input: ScoreInput, lead: Pick<Policy['lead'], 'icp' | 'thresholds'>): Score {
  const factors = [...fitFactors(input, lead.icp), ...intentFactors(input.signals), ...engagementFactors(input)];
  const sum = (c: Category) => Math.max(0, Math.min(CAPS[c], factors.filter((f) => f.category === c).reduce((n, f) => n + f.points, 0)));
  const fit = sum('fit');
  const intent = sum('intent');
  const engagement = sum('engagement');
  const total = fit + intent + engagement;
  return { factors, fit, intent, engagement, total, band: bandOf(total, lead.thresholds) };
}

function fitFactors(input: ScoreInput, icp: Icp): Factor[] {
  const out: Factor[] = [];
  const f = (factor: string, points: number, evidence: string, source: string) => out.push({ category: 'fit', factor, points, evidence, source });
  const { address, company } = input;
  if (address.disposable) f('disposable address', -10, `${address.domain} is a disposable-mail domain`, 'disposable-domain list');
  else if (address.freeMail && !company) f('business domain', 0, `${address.domain} is a free-mail provider: no company to match`, 'free-mail list');
  if (address.role) f('role address', -2, `the address is a role address (a team, not a person)`, 'inferred from the address');

  if (company) {
    const src = company.source;
    const emp = company.employees;
    const { min, max } = icp.employees;
    if (emp === null) f('company size', 0, 'employee count not known', src);
    else if (emp >= min && emp <= max) f('company size', 10, `${emp} employees (ICP ${min}-${max})`, src);
    else if (emp >= min / 2 && emp <= max * 2) f('company size', 5, `${emp} employees, near the ICP's ${min}-${max}`, src);
    else f('company size', 0, `${emp} employees, outside the ICP's ${min}-${max}`, src);

    const industry = company.industry;
    const inIcp = industry !== null && icp.industries.some((i) => key(i) === key(industry));
    f('industry', inIcp ? 10 : 0, industry ? `${industry}${inIcp ? ' is' : ' is not'} an ICP industry (${icp.industries.join(', ')})` : 'industry not known', src);

    const stack = company.tech.filter((t) => icp.tech.some((x) => key(x) === key(t)));
    f('tech stack', Math.min(8, stack.length * 4), stack.length ? `uses ${stack.join(', ')}` : company.tech.length ? `uses ${company.tech.join(', ')}: none of ${icp.tech.join(', ')}` : 'tech stack not known', src);

    const stage = company.funding_stage;
    const funded = stage !== null && icp.funding_stages.some((s) => key(s) === key(stage));
    const revenue = company.revenue_usd;
    const earns = revenue !== null && revenue >= icp.min_revenue_usd;
    const money = funded || earns;
    f('funding or revenue', money ? 7 : 0, [stage ? `funding ${stage}` : null, revenue !== null ? `revenue $${(revenue / 1e6).toFixed(1)}M` : null].filter(Boolean).join(', ') || 'funding and revenue not known', src);
  }
  const seniority = seniorityOf(input.title);
  if (input.title) f('seniority', seniority.points, `title "${input.title}": ${seniority.label}`, 'stated in the form');
  return out;
}

function seniorityOf(title: string | null): { points: number; label: string } {
  if (!title) return { points: 0, label: 'not known' };
  if (/\b(c[eofotrm]o|chief|founder|co-?founder|owner|president|managing director|gesch[aä]ftsf[uü]hrer(in)?|inhaber(in)?|g[eé]rant|directeur g[eé]n[eé]ral|director general)\b/iu.test(title)) return { points: 5, label: 'executive' };
  if (/\b(vp|svp|evp|vice president|head|director|directeur|directora?|leiter(in)?|bereichsleiter(in)?)\b/iu.test(title)) return { points: 5, label: 'decision maker' };
  if (/\b(manager|lead|teamleiter(in)?|responsable|jefe|jefa|gerente)\b/iu.test(title)) return { points: 2, label: 'manager' };
  return { points: 0, label: 'individual contributor' };
}

function intentFactors(signals: Signal[]): Factor[] {
  const out: Factor[] = [];
  const of = (k: Signal['kind']) => signals.filter((s) => s.kind === k);
  const f = (factor: string, points: number, found: Signal[]) =>
    out.push({ category: 'intent', factor, points, evidence: found.map((s) => `"${s.quote}"`).filter((q, i, all) => all.indexOf(q) === i).join(' ') || '-', source: 'stated in the message' });
  const buying = of('buying_request');
  if (buying.length) f(`asks to buy (${buying.map((s) => s.match).join(', ')})`, 12, buying);
  else if (of('info_request').length) f('asks for information', 5, of('info_request'));
  if (of('budget').length) f('budget', 6, of('budget'));
  const soon = of('timeline');
  const later = of('no_timeline');
  if (soon.length && !later.length) f(`timeline (${soon.map((s) => s.match).join(', ')})`, 6, soon);
  else if (later.length) f(`no near-term timeline (${later.map((s) => s.match).join(', ')})`, 0, later);
  const pain = of('pain');
  if (pain.length) f(`pain the product solves (${pain.map((s) => s.match).join(', ')})`, Math.min(6, pain.length * 3), pain);
  const notBuyer = of('not_a_buyer');
  if (notBuyer.length) f(`not a buyer (${notBuyer.map((s) => s.match).join(', ')})`, -10, notBuyer);
  return out;
}

const ACTIVITY_POINTS: Record<Activity['type'], { each: number; cap: number; label: string }> = {
  demo_request: { each: 15, cap: 15, label: 'requested a demo' },
  pricing_view: { each: 6, cap: 12, label: 'viewed pricing' },
  webinar: { each: 8, cap: 8, label: 'attended a webinar' },
  download: { each: 6, cap: 12, label: 'downloaded content' },
  page_view: { each: 1, cap: 5, label: 'page views' },
  email_open: { each: 1, cap: 3, label: 'opened our email' },
};

function engagementFactors(input: ScoreInput): Factor[] {
  const out: Factor[] = [];
  const f = (factor: string, points: number, evidence: string, source: string) => out.push({ category: 'engagement', factor, points, evidence, source });
  if (input.submissions > 0) f('filled in a form', 5, `form submission${input.source ? ` from ${input.source}` : ''}`, 'the form');
  if (input.submissions > 1) f('came back', Math.min(6, (input.submissions - 1) * 3), `${input.submissions} submissions`, 'the form');
  if (input.inboundMails > 0) f('wrote to us', Math.min(10, input.inboundMails * 5), `${input.inboundMails} email(s) from the lead`, 'inbound mail');
  for (const [type, rule] of Object.entries(ACTIVITY_POINTS) as Array<[Activity['type'], (typeof ACTIVITY_POINTS)[Activity['type']]]>) {
    const acts = input.activity.filter((a) => a.type === type);
    if (!acts.length) continue;
    const titles = acts.map((a) => a.title).filter(Boolean);
    f(`${rule.label}${acts.length > 1 ? ` (${acts.length}x)` : ''}`, Math.min(rule.cap, acts.length * rule.each), `${acts.length} ${type}${titles.length ? `: ${[...new Set(titles)].join(', ')}` : ''}`, 'activity');
  }
  return out;
}
