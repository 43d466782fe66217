/**
 * Tool definitions for Claude with strict tool use: the API then guarantees the tool input
 * matches the schema. Strict mode accepts a subset of JSON Schema, so the SDK's own transform
 * moves what it cannot enforce (number ranges, string lengths, patterns) into the description;
 * our zod validation of every answer still enforces all of it.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import { z } from 'zod';

export function strictTool(name: string, description: string, input: z.ZodType, options: { cache?: boolean } = {}): Anthropic.Tool {
  const schema = z.toJSONSchema(input) as Record<string, unknown>;
  return {
    name,
    description,
    input_schema: transformJSONSchema(schema) as Anthropic.Tool.InputSchema,
    strict: true,
    ...(options.cache ? { cache_control: { type: 'ephemeral' as const } } : {}),
  };
}
