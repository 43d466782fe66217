import fs from 'node:fs';
import YAML from 'yaml';
import type { Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { policySchema, type Policy } from './schema.ts';

/** Reads and validates the policy file; without one, the conservative defaults apply. */
export function loadPolicy(config: Pick<Config, 'policyPath' | 'env'>): Policy {
  let raw: unknown = {};
  if (config.policyPath) {
    let text: string;
    try {
      text = fs.readFileSync(config.policyPath, 'utf8');
    } catch (err) {
      throw new ConfigError(`MAILROOM_POLICY: cannot read ${config.policyPath}: ${(err as Error).message}`, { cause: err });
    }
    try {
      raw = YAML.parse(text) ?? {};
    } catch (err) {
      throw new ConfigError(`MAILROOM_POLICY: ${config.policyPath} is not valid YAML: ${(err as Error).message}`, { cause: err });
    }
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`MAILROOM_POLICY: ${config.policyPath ?? 'policy'} is invalid:\n${lines.join('\n')}`);
  }
  const policy = parsed.data;
  // SLACK_APPROVERS adds Slack users to the default approvers, so a minimal install needs no policy file.
  const slack = config.env.SLACK_APPROVERS?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  if (slack.length) {
    policy.approvers = [...new Set([...policy.approvers, ...slack])];
    // Without a policy file the built-in tiers name only CLI operators: let the Slack approvers decide too.
    if (!config.policyPath) for (const tier of policy.invoice.tiers) tier.approvers = [...new Set([...tier.approvers, ...slack])];
  }
  if (config.env.LLM_CONFIDENCE_THRESHOLD !== undefined && !config.policyPath) policy.confidence_threshold = config.env.LLM_CONFIDENCE_THRESHOLD;
  return policy;
}

/** Expands `group:<name>` entries into the group's members. */
export function resolveIdentities(policy: Policy, entries: string[]): string[] {
  const out = new Set<string>();
  for (const e of entries) {
    if (e.startsWith('group:')) for (const m of policy.groups[e.slice(6)] ?? []) out.add(m);
    else out.add(e);
  }
  return [...out];
}
