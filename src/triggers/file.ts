/**
 * The triggers file (`MAILROOM_TRIGGERS`, YAML): webhook sources and schedules. Validated once at
 * start like the policy; a bad key or value stops start-up with a message naming it.
 *
 *   webhooks:
 *     <source>: { workflow, secret?, map? }      # POST /webhook/<source>
 *   schedules:
 *     <name>: { cron, workflow, input?, tz?, catch_up? }
 *
 * `secret` is a Standard Webhooks signing secret (`whsec_…`), or `${VAR}` to read it from the
 * environment; a source without one is called with the API token. `map` names, for each input
 * field of the workflow, a dot path into the JSON body (`contact.email`); without it the body's
 * top-level fields are the input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import YAML from 'yaml';
import { z } from 'zod';
import { readEnvironment, type Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { duration } from '../policy/duration.ts';
import { scheduleProblem } from './cron.ts';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "-" and "_" (at most 64)');

const webhookSchema = z
  .object({
    workflow: z.string().min(1),
    secret: z.string().min(1).optional(),
    map: z.record(z.string().min(1), z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a dot path into the body, e.g. contact.email')).optional(),
  })
  .strict();

const scheduleSchema = z
  .object({
    cron: z.string().min(1),
    workflow: z.string().min(1),
    input: z.record(z.string(), z.unknown()).default({}),
    tz: z.string().min(1).default('UTC'),
    /**
     * An occurrence missed while no process kept time (a restart, an outage) still runs once when
     * one comes back, if it is at most this old and the schedule had run before (so a schedule
     * added today does not run for this morning). `0` turns it off.
     */
    catch_up: duration.prefault('1h'),
  })
  .strict();

const triggersSchema = z
  .object({
    webhooks: z.record(name, webhookSchema).default({}),
    schedules: z.record(name, scheduleSchema).default({}),
  })
  .strict();

export type WebhookSource = z.infer<typeof webhookSchema> & { name: string };
export type ScheduleDefinition = z.infer<typeof scheduleSchema> & { name: string };

export interface Triggers {
  /** The file they came from; undefined when MAILROOM_TRIGGERS is unset (only the built-in sources). */
  path: string | undefined;
  webhooks: Map<string, WebhookSource>;
  schedules: Map<string, ScheduleDefinition>;
}

/** The product brief's web form: bound to the `lead` workflow, called with the API token. */
const BUILT_IN_WEBHOOKS: WebhookSource[] = [{ name: 'new-lead', workflow: 'lead' }];

/** `${VAR}` → the variable's value, so secrets need not sit in the file. */
function resolveSecret(value: string, env: Record<string, string | undefined>): string | { missing: string } {
  const ref = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value.trim());
  if (!ref) return value;
  const resolved = env[ref[1]!];
  return resolved ? resolved : { missing: ref[1]! };
}

export function parseTriggers(raw: unknown, env: Record<string, string | undefined>): { triggers?: Omit<Triggers, 'path'>; problems: string[] } {
  const parsed = triggersSchema.safeParse(raw ?? {});
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  const problems: string[] = [];
  const webhooks = new Map(BUILT_IN_WEBHOOKS.map((w) => [w.name, w]));
  for (const [source, def] of Object.entries(parsed.data.webhooks)) {
    const hook: WebhookSource = { name: source, ...def };
    if (def.secret !== undefined) {
      const secret = resolveSecret(def.secret, env);
      if (typeof secret !== 'string') {
        problems.push(`webhooks.${source}.secret: the environment variable ${secret.missing} is not set`);
        continue;
      }
      try {
        new Webhook(secret);
      } catch (err) {
        problems.push(`webhooks.${source}.secret: not a Standard Webhooks secret (whsec_ followed by base64): ${(err as Error).message}`);
        continue;
      }
      hook.secret = secret;
    }
    webhooks.set(source, hook);
  }
  const schedules = new Map<string, ScheduleDefinition>();
  for (const [schedule, def] of Object.entries(parsed.data.schedules)) {
    const problem = scheduleProblem(def.cron, def.tz);
    if (problem) problems.push(`schedules.${schedule}.${/time zone/i.test(problem) ? 'tz' : 'cron'}: ${problem}`);
    else schedules.set(schedule, { name: schedule, ...def });
  }
  return { triggers: { webhooks, schedules }, problems };
}

/** Reads and validates the triggers file; without one, only the built-in webhook sources exist. */
export function loadTriggers(config: Pick<Config, 'env'>, cwd = process.cwd(), env: Record<string, string | undefined> = readEnvironment(cwd)): Triggers {
  const file = config.env.MAILROOM_TRIGGERS ? path.resolve(cwd, config.env.MAILROOM_TRIGGERS) : undefined;
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`MAILROOM_TRIGGERS: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      raw = YAML.parse(text) ?? {};
    } catch (err) {
      throw new ConfigError(`MAILROOM_TRIGGERS: ${file} is not valid YAML: ${(err as Error).message}`, { cause: err });
    }
  }
  const { triggers, problems } = parseTriggers(raw, env);
  if (!triggers || problems.length) throw new ConfigError(`MAILROOM_TRIGGERS: ${file ?? 'triggers'} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return { path: file, ...triggers };
}

/**
 * Schedule inputs checked against their workflows' input schemas once the workflows are known, so
 * a schedule that could never start a run stops start-up instead of failing at 7 a.m.
 */
export function checkScheduleInputs(triggers: Triggers, inputSchemaOf: (workflow: string) => z.ZodType | undefined): void {
  const problems: string[] = [];
  for (const s of triggers.schedules.values()) {
    const schema = inputSchemaOf(s.workflow);
    if (!schema) continue;
    const parsed = schema.safeParse(s.input);
    if (!parsed.success) for (const i of parsed.error.issues) problems.push(`schedules.${s.name}.input${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`);
  }
  if (problems.length) throw new ConfigError(`MAILROOM_TRIGGERS: ${triggers.path ?? 'triggers'} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}
