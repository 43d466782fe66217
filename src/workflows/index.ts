/**
 * The registry: every workflow the service runs, and the routes by which the router hands items
 * to them. Adding a workflow is its folder (definition + `route.ts`) plus one line in each list.
 */
import type { WorkflowDefinition } from '../engine/types.ts';
import { contentWorkflow } from './content/content.ts';
import { hiringWorkflow } from './hiring/hiring.ts';
import { hiringRoute } from './hiring/route.ts';
import { invoiceWorkflow } from './invoice/invoice.ts';
import { invoiceRoute } from './invoice/route.ts';
import { leadWorkflow } from './lead/lead.ts';
import { leadRoute } from './lead/route.ts';
import { routerWorkflow } from './router/router.ts';
import { supportWorkflow } from './support/support.ts';
import { supportRoute } from './support/route.ts';
import { routeCatalog, type RouteSpec } from './routes.ts';

export const routeSpecs: RouteSpec[] = [
  invoiceRoute,
  hiringRoute,
  leadRoute,
  supportRoute,
];

export const routes = routeCatalog(routeSpecs);

// content is started by the API, Slack, schedules and the calendar, never routed from mail: no RouteSpec.
export const allWorkflows: WorkflowDefinition<any, any, any>[] = [routerWorkflow, supportWorkflow, invoiceWorkflow, leadWorkflow, contentWorkflow, hiringWorkflow];
