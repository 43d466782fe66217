/**
 * What a workflow tells the router about the items it claims. Each workflow folder exports one
 * `RouteSpec` (its `route.ts`); src/workflows/index.ts registers them. The route list, the triage
 * tool's enum, the routing part of the triage prompt, the offline rules and the CLI's and Slack's
 * workflow choices are all built from the registered specs, so adding a workflow is its folder
 * plus one line in the registry.
 */
import type pg from 'pg';
import type { EmailSummary, RequesterInput, TriageInput, TriageResult } from './ports.ts';

/** What an offline rule found: why, how sure, and any classification fields it fills in. */
export interface RuleMatch {
  why: string;
  confidence: number;
  fields?: Partial<Pick<TriageResult, 'category' | 'priority' | 'sentiment' | 'solvable' | 'reasoning'>>;
}

/** The item as the router hands it to the workflow that claimed it. */
export interface RoutedItem {
  itemId: string;
  kind: 'email' | 'document' | 'slack_message' | 'trigger';
  email: EmailSummary | null;
  text: string;
  /** Attachments that may be documents to read (PDF, images, XML), stored by hash. */
  documents: Array<{ filename: string | null; contentType: string; size: number; sha256: string }>;
  triage: TriageResult | null;
  requester: RequesterInput | null;
}

export interface RouteSpec {
  /** The triage tool's value for this route (`support`, `invoice`, `lead`, `job_application`). */
  route: string;
  /** The workflow that owns the route; the CLI's `--workflow` value. */
  workflow: string;
  /** False while the workflow is not built: the route is recognised and a person is asked. */
  installed: boolean;
  /** One sentence for the triage tool's enum description and the prompt's routing list. */
  summary: string;
  /** Offline rules: tried in ascending `rank`; the first match wins. `force` asks for a best guess. */
  offline?: { rank: number; match(input: TriageInput, options?: { force?: boolean }): RuleMatch | null };
  /** Whether the route needs per-request classification fields (category, priority, ...). */
  classifies?: boolean;
  /** The input of the workflow started for a routed item. */
  input?(item: RoutedItem): unknown;
  /**
   * A mail that names none of our Message-IDs may still belong to a run of this workflow that is
   * waiting on its sender (a lead writing again mid-sequence): the event to hand it over with.
   */
  ongoing?(pool: Pick<pg.Pool, 'query'>, email: EmailSummary, itemId: string): Promise<{ name: string; key: string; payload: unknown; runId: string } | null>;
}

/** The registered routes as the decision core and the router read them. */
export interface RouteCatalog {
  specs: readonly RouteSpec[];
  /** Route values the triage may answer (`unrouted` first, then the registered routes). */
  values: readonly [string, ...string[]];
  find(route: string): RouteSpec | undefined;
  byWorkflow(workflow: string): RouteSpec | undefined;
  /** The routing section of the triage prompt, one bullet per route. */
  promptText(): string;
  /** The enum description of the triage tool's `route` field. */
  enumDescription(): string;
}

export function routeCatalog(specs: readonly RouteSpec[]): RouteCatalog {
  const values: [string, ...string[]] = ['unrouted', ...specs.map((s) => s.route)];
  return {
    specs,
    values,
    find: (route) => specs.find((s) => s.route === route),
    byWorkflow: (workflow) => specs.find((s) => s.workflow === workflow),
    promptText: () =>
      [...specs.map((s) => `- \`${s.route}\`: ${s.summary}`), '- `unrouted`: anything else (newsletters, personal mail, spam, receipts for our own purchases with nothing to do). Say why in `route_reason`.'].join('\n'),
    enumDescription: () => [...specs.map((s) => `${s.route}: ${s.summary}`), 'unrouted: anything else'].join('; '),
  };
}

/** A pattern an offline rule looks for, and how it explains a hit. */
export type Rule = { re: RegExp; why: string };

/** Subject and body as the offline rules read them (a forwarded original's text included). */
export function readItem(input: TriageInput): { all: string; body: string } {
  const subject = input.email?.subject ?? '';
  const body = input.email?.forwarded?.original.text ? `${input.text}\n${input.email.forwarded.original.text}` : input.text;
  return { all: `${subject}\n${body}`, body: body || subject };
}
