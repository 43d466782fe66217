/**
 * The API's zod schemas: the request schemas are the validators the routes run, and the OpenAPI
 * document (GET /api/v1/openapi.json) is generated from them and the response schemas below.
 */
import { z } from '@hono/zod-openapi';

const RUN_STATES = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'] as const;
const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
const OUTBOX_STATUSES = ['not_sent', 'queued', 'sent', 'retrying', 'failed'] as const;

/** A timestamp as it goes over the wire (ISO 8601); the stores hand out Dates, JSON writes them out. */
const timestamp = z.union([z.string(), z.date()]).openapi({ type: 'string', format: 'date-time' });
const record = z.record(z.string(), z.unknown());

export const ErrorBody = z
  .object({
    error: z.string().openapi({ example: 'input for workflow "router" is invalid: input.itemId: Invalid input: expected string, received undefined' }),
    issues: z.array(z.object({ path: z.string(), message: z.string(), body_path: z.string().optional() })).optional(),
  })
  .openapi('Error');

export const RunIdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '0b6f9c2e-4a51-4f7e-9d3c-8f1b2a3c4d5e' }) });

export const StartRunBody = z
  .object({
    workflow: z.string().min(1).openapi({ example: 'lead' }),
    input: record.default({}).openapi({ description: "validated by the workflow's own input schema", example: { email: 'ada@example.com', company: 'Analytical Engines' } }),
  })
  .openapi('StartRun');

export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().optional().openapi({ description: 'the same key with the same body returns the same run (200); with another body, 422', example: '"7f3a1c2e-order-42"' }),
});

export const StartedRun = z.object({ run_id: z.string(), workflow: z.string(), state: z.enum(RUN_STATES) }).openapi('StartedRun');

export const RunSummary = z
  .object({ id: z.string(), workflow: z.string(), state: z.enum(RUN_STATES), created_at: timestamp, updated_at: timestamp, reason: z.string().nullable() })
  .openapi('RunSummary');

export const ListRunsQuery = z.object({
  state: z.enum(RUN_STATES).optional(),
  workflow: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional().openapi({ description: 'next_cursor of the previous page' }),
});

export const RunList = z.object({ runs: z.array(RunSummary), next_cursor: z.string().nullable() }).openapi('RunList');

const runLink = z.object({ id: z.string(), workflow: z.string(), state: z.string() });
export const RunTrace = z
  .object({
    run: record.openapi({ description: 'the run row: state, input, output, error, parent_run_id, started_by, timestamps' }),
    parent: runLink.nullable(),
    children: z.array(runLink),
    transitions: z.array(record),
    steps: z.array(record),
    decisions: z.array(record),
    actions: z.array(record),
    events: z.array(record),
    approvals: z.array(record),
    mail: z.array(record),
  })
  .openapi('RunTrace', { description: 'the same shape as `mailroom run <id> --json`' });

export const RetryBody = z.object({ actions: z.enum(['done', 'repeat']).optional().openapi({ description: 'for actions left uncertain by a crash: done (they happened) or repeat (they did not)' }) });
export const CancelBody = z.object({ reason: z.string().min(1).max(500).optional() });
export const RunMoved = z.object({ run_id: z.string(), state: z.enum(RUN_STATES) }).openapi('RunMoved');

export const EventBody = z
  .object({
    name: z.string().min(1).max(200).openapi({ example: 'order.shipped' }),
    key: z.string().min(1).max(1000).openapi({ description: 'correlation key the waiting run named', example: 'order-42' }),
    payload: z.unknown().optional(),
  })
  .openapi('Event');
export const EventAccepted = z.object({ event_id: z.number().int(), name: z.string(), key: z.string() }).openapi('EventAccepted');

export const ApprovalsQuery = z.object({ status: z.enum(APPROVAL_STATUSES).optional() });
const Approval = z
  .object({ id: z.string(), run_id: z.string(), workflow: z.string(), kind: z.string(), title: z.string(), status: z.enum(APPROVAL_STATUSES), version: z.number().int(), request: record })
  .loose()
  .openapi('Approval');
export const ApprovalList = z.object({ approvals: z.array(Approval) }).openapi('ApprovalList');
export const ApprovalIdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'ap_3f2a1b0c9d8e' }) });

export const DecisionBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    note: z.string().max(2000).optional(),
    edits: record.optional().openapi({ description: 'corrections to editable fields; an edit that changes the proposal makes a new version' }),
    version: z.number().int().min(1).optional().openapi({ description: 'the version of the proposal you decide (from GET /api/v1/approvals); required' }),
  })
  .openapi('Decision');
export const DecisionResult = z
  .object({ approval_id: z.string(), status: z.enum(APPROVAL_STATUSES), final: z.boolean(), votes_needed: z.number().int(), version: z.number().int() })
  .openapi('DecisionResult');

export const CostsQuery = z.object({ days: z.coerce.number().int().min(1).max(366).default(7) });
export const Costs = z.object({ days: z.number().int(), budget_usd_per_day: z.number(), costs: z.array(record) }).openapi('Costs');
export const Mailboxes = z.object({ mailboxes: z.array(record) }).openapi('Mailboxes');
export const OutboxQuery = z.object({ status: z.enum(OUTBOX_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const Outbox = z.object({ messages: z.array(record) }).openapi('Outbox');
export const Schedules = z.object({ schedules: z.array(record) }).openapi('Schedules');

export const WebhookSourceParam = z.object({ source: z.string().openapi({ param: { name: 'source', in: 'path' }, example: 'new-lead' }) });
export const WebhookAccepted = z.object({ run_id: z.string().nullable(), duplicate: z.boolean() }).openapi('WebhookAccepted');
