/**
 * An approval request: what a person is shown before Mailroom acts. The same record is shown in
 * Slack (Block Kit) and on the CLI; its hash is stored with every vote, so it is provable what
 * each approver saw.
 */
import { z } from 'zod';
import type { TierRule } from './versions.ts';

export const competingValueSchema = z.object({
  field: z.string(),
  values: z.array(z.object({ source: z.string(), value: z.unknown() })),
  note: z.string().optional(),
});

export const approvalRequestSchema = z.object({
  /** What came in: who, what, when, by which channel. */
  summary: z.object({
    from: z.string().optional(),
    subject: z.string().optional(),
    receivedAt: z.string().optional(),
    channel: z.string().optional(),
    excerpt: z.string().optional(),
  }),
  /** What Mailroom proposes to do. */
  proposal: z.object({
    type: z.enum(['reply', 'booking', 'payment', 'routing', 'other']),
    description: z.string(),
    draft: z.string().optional(),
    to: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
  reasoning: z.string(),
  confidence: z.number().min(0).max(1).nullable(),
  /** Why a human is asked (policy rule, low confidence, anomalies). */
  reasons: z.array(z.string()).default([]),
  fields: z.record(z.string(), z.unknown()).optional(),
  /** For documents that need review: competing values side by side. */
  review: z.array(competingValueSchema).optional(),
  /** Which fields an approver may edit in the edit modal. */
  editable: z.array(z.string()).default([]),
  /** Editable fields limited to a few values (a triage's workflow): offered as choices. */
  options: z.record(z.string(), z.array(z.string())).optional(),
});

export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;
export type ApprovalRequestInput = z.input<typeof approvalRequestSchema>;

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

export interface Approval {
  id: string;
  run_id: string;
  workflow: string;
  kind: string;
  title: string;
  request: ApprovalRequest;
  shown_hash: string;
  amount: number | null;
  currency: string | null;
  tier: string | null;
  required_approvals: number;
  approvers: string[];
  escalation: string[];
  requested_by: string | null;
  /** Every identity of whoever brought the item in; none of them may approve it. */
  requesters: string[];
  /** The current version of the proposal: 1, then one more for each edit that changed it. */
  version: number;
  /** All edits applied so far (what the current version changed from the original). */
  edits: Record<string, unknown> | null;
  /** The tier table at request time, so an edited amount is tiered again. */
  tier_rules: TierRule[] | null;
  status: ApprovalStatus;
  decision: ApprovalDecision | null;
  created_at: Date;
  decided_at: Date | null;
  expires_at: Date | null;
  reminded_at: Date | null;
  escalated_at: Date | null;
  slack_channel: string | null;
  slack_ts: string | null;
  post_error: string | null;
}

/** The payload of the `approval.decided` event that resumes the waiting run. */
export interface ApprovalDecision {
  approvalId: string;
  outcome: 'approved' | 'rejected' | 'expired';
  approvers: string[];
  note: string | null;
  /** Edits made in the edit modal (draft text, corrected fields), applied by the workflow. */
  edits: Record<string, unknown> | null;
  /** The version that was decided (absent in decisions stored before versions existed). */
  version?: number;
  decidedAt: string;
}

export interface Vote {
  approvalId: string;
  approver: string;
  decision: 'approve' | 'reject';
  note?: string;
  edits?: Record<string, unknown>;
  /** Hash of what the approver was shown; must match the request's current hash. */
  shownHash?: string;
  /** The version the approver was shown. A vote must name its version by this or by `shownHash`. */
  version?: number;
  channel: 'slack' | 'cli' | 'http' | 'web';
  /** The approver entry that admits this voter when it is a group (`slack-group:S…`), checked by the channel. */
  via?: string;
}

/** Why a vote was refused, for channels to map (the API: 404, 403, 409, 422). */
export type RefusalCode = 'not_found' | 'not_eligible' | 'separation_of_duties' | 'stale' | 'already_voted' | 'invalid';

/** An edit that produced a new version: the approvers whose votes no longer count are named. */
export interface VersionChange {
  version: number;
  editedBy: string;
  edits: Record<string, unknown>;
  /** Approvers who voted for an earlier version and must look again. */
  previousVoters: string[];
}

export type VoteOutcome =
  | { kind: 'recorded'; approval: Approval; final: boolean; votesNeeded: number; changed?: VersionChange }
  | { kind: 'refused'; code: RefusalCode; reason: string; approval?: Approval }
  | { kind: 'already-decided'; approval: Approval };
