/**
 * A bounded tool-use loop for decisions that need the model to look things up: each model turn
 * and each tool execution is a checkpointed step (a crash never pays for a turn twice), only the
 * task's allowed tools run (others get an error result, not an execution), tool input is
 * validated with the tool's zod schema, and the loop ends at the `finish` tool or after
 * `maxTurns` (then a person decides).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { StepApi } from '../../engine/types.ts';
import { strictTool } from './tools.ts';

export interface AgentTool<I = any> {
  name: string;
  description: string;
  input: z.ZodType<I>;
  run: (input: I) => Promise<unknown>;
}

export interface AgentResult<F> {
  finished: boolean;
  result: F | null;
  turns: number;
  reason: string;
}

export async function runAgentLoop<F>(
  step: StepApi,
  options: {
    client: Anthropic;
    model: string;
    system: string;
    prompt: string;
    tools: AgentTool[];
    /** Names of the tools this task may use; anything else is refused. */
    allowed: string[];
    finish: { description: string; input: z.ZodType<F> };
    maxTurns?: number;
    maxTokens?: number;
    id?: string;
  },
): Promise<AgentResult<F>> {
  const id = options.id ?? 'agent';
  const maxTurns = options.maxTurns ?? 10;
  const toolDefs: Anthropic.Tool[] = [
    ...options.tools.map((t) => strictTool(t.name, t.description, t.input)),
    strictTool('finish', options.finish.description, options.finish.input, { cache: true }),
  ];
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: options.prompt }];
  for (let turn = 1; turn <= maxTurns; turn++) {
    const reply = await step.run(`${id}:turn-${turn}`, async () => {
      const res = await options.client.messages.create({
        model: options.model,
        max_tokens: options.maxTokens ?? 1024,
        system: [{ type: 'text', text: options.system, cache_control: { type: 'ephemeral' } }],
        tools: toolDefs,
        tool_choice: { type: 'any' },
        messages,
      });
      return { content: res.content, usage: res.usage };
    });
    messages.push({ role: 'assistant', content: reply.content as Anthropic.ContentBlockParam[] });
    const uses = reply.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    if (!uses.length) {
      messages.push({ role: 'user', content: 'Use one of the tools; call finish with your answer.' });
      continue;
    }
    const results: Anthropic.ToolResultBlockParam[] = [];
    for (const use of uses) {
      if (use.name === 'finish') {
        const parsed = options.finish.input.safeParse(use.input);
        if (parsed.success) return { finished: true, result: parsed.data, turns: turn, reason: 'finished' };
        results.push({ type: 'tool_result', tool_use_id: use.id, is_error: true, content: `Invalid finish input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
        continue;
      }
      const tool = options.tools.find((t) => t.name === use.name);
      if (!tool || !options.allowed.includes(use.name)) {
        await step.decide({ action: 'agent.tool_refused', parameters: { tool: use.name }, reasoning: `tool "${use.name}" is not allowed for this task` });
        results.push({ type: 'tool_result', tool_use_id: use.id, is_error: true, content: `Tool "${use.name}" is not available for this task.` });
        continue;
      }
      const input = tool.input.safeParse(use.input);
      if (!input.success) {
        results.push({ type: 'tool_result', tool_use_id: use.id, is_error: true, content: `Invalid input: ${input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
        continue;
      }
      const output = await step.run(`${id}:turn-${turn}:${use.name}`, () => tool.run(input.data));
      results.push({ type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(output).slice(0, 20_000) });
    }
    messages.push({ role: 'user', content: results });
  }
  return { finished: false, result: null, turns: maxTurns, reason: `no answer after ${maxTurns} turns: a person decides` };
}
