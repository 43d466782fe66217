/** Every workflow the service runs. Each lives in its own folder with its tools and policy. */
import type { WorkflowDefinition } from '../engine/types.ts';

export const allWorkflows: WorkflowDefinition<any, any, any>[] = [];
