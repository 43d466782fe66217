/** Every workflow the service runs. Each lives in its own folder with its tools and policy. */
import type { WorkflowDefinition } from '../engine/types.ts';
import { invoiceWorkflow } from './invoice/invoice.ts';
import { routerWorkflow } from './router/router.ts';
import { supportWorkflow } from './support/support.ts';

export const allWorkflows: WorkflowDefinition<any, any, any>[] = [routerWorkflow, supportWorkflow, invoiceWorkflow];
