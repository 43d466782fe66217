/**
 * A content brief: what to write, for whom, where it goes and when. Validated at every edge
 * (API, Slack, CLI, calendar) by the same schema, which is the workflow's input.
 */
import { z } from 'zod';
import { requesterSchema } from '../ports.ts';

export const CHANNELS = ['blog', 'x', 'linkedin', 'email'] as const;
export const channelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof channelSchema>;

export const briefSchema = z.object({
  topic: z.string().trim().min(3, 'say what the piece is about (at least 3 characters)').max(300),
  /** The phrase the post should rank for; defaults to the topic. */
  keyphrase: z.string().trim().min(2).max(80).optional(),
  audience: z.string().trim().max(300).optional(),
  goal: z.string().trim().max(500).optional(),
  channels: z.array(channelSchema).min(1).default([...CHANNELS]),
  /** When to publish (ISO 8601 with an offset); absent: as soon as it is approved. */
  publish_at: z.iso.datetime({ offset: true }).optional(),
  length_words: z.number().int().min(100).max(5000).optional(),
  /** The piece's language (ISO 639-1: en, de, fr…); absent: read from the draft itself. */
  language: z.string().trim().toLowerCase().regex(/^[a-z]{2}$/, 'an ISO 639-1 code such as en, de or fr').optional(),
});
export type Brief = z.infer<typeof briefSchema>;
export type BriefInput = z.input<typeof briefSchema>;

/** The workflow's input: the brief, plus who asked and which calendar entry (if any) it came from. */
export const contentInputSchema = briefSchema.extend({
  requester: requesterSchema.nullable().optional(),
  calendar_entry: z.string().optional(),
});
export type ContentInput = z.infer<typeof contentInputSchema>;

/** The keyphrase the checks use: the brief's, else the topic. */
export const keyphraseOf = (brief: Pick<Brief, 'topic' | 'keyphrase'>): string => (brief.keyphrase ?? brief.topic).trim();

/**
 * A brief from one line of free text (Slack's `/mailroom content <brief>`): JSON as is, else
 * `topic | keyphrase: x | channels: blog,x | publish_at: 2030-01-01T09:00:00Z` (every part but
 * the topic optional).
 */
export function briefFromText(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed) as unknown;
  const [topic, ...parts] = trimmed.split('|').map((p) => p.trim());
  const brief: Record<string, unknown> = { topic };
  for (const part of parts) {
    const m = /^([a-z_]+)\s*[:=]\s*(.+)$/i.exec(part);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (key === 'channels') brief.channels = value.split(/[\s,]+/).filter(Boolean);
    else if (key === 'length_words' || key === 'words') brief.length_words = Number(value);
    else brief[key] = value;
  }
  return brief;
}
