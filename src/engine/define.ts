import type { WorkflowDefinition } from './types.ts';

/** Declares a workflow. Plain data plus a function: the engine does the rest. */
export function defineWorkflow<I, O, S = unknown, In = I>(definition: WorkflowDefinition<I, O, S, In>): WorkflowDefinition<I, O, S, In> {
  if (!/^[a-z][a-z0-9_.-]*$/.test(definition.name)) {
    throw new Error(`workflow name "${definition.name}" must be lower-case letters, digits, '.', '_' or '-'`);
  }
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new Error(`workflow "${definition.name}": version must be a positive integer`);
  }
  return definition;
}
