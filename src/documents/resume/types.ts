/**
 * The resume parser's output: the JSON Resume schema (jsonresume.org), the subset the hiring
 * workflow uses, plus what a person needs to trust it: `evidence` (the source text each field came
 * from), `warnings`, `needs_review`, and the hidden-text report. Dates are `YYYY-MM` or `YYYY`;
 * a current role has no `endDate`. Fields the parser could not find are omitted, never invented.
 */
import { z } from 'zod';
import type { OcrPool } from '../ocr-pool.ts';

const ResumeDate = z.string().regex(/^\d{4}(-\d{2})?$/, 'YYYY-MM or YYYY');

export const ResumeProfileSchema = z.object({
  /** "LinkedIn", "GitHub", "GitLab", "Twitter", "Website"... */
  network: z.string(),
  url: z.string(),
});

export const ResumeWorkSchema = z.object({
  /** The employer. */
  name: z.string(),
  position: z.string(),
  /** Absent only for a role printed without dates (a few real resumes have them). */
  startDate: ResumeDate.optional(),
  /** Absent for a current role ("Present", "Current", "heute"...). */
  endDate: ResumeDate.optional(),
  location: z.string().optional(),
  highlights: z.array(z.string()),
});

export const ResumeEducationSchema = z.object({
  institution: z.string(),
  /** Field of study: "Computer Science". */
  area: z.string().optional(),
  /** Degree: "B.S.", "Master of Science", "PhD". */
  studyType: z.string().optional(),
  startDate: ResumeDate.optional(),
  endDate: ResumeDate.optional(),
});

export const ResumeParseSchema = z.object({
  basics: z.object({
    name: z.string().optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
    location: z.object({
      city: z.string().optional(),
      region: z.string().optional(),
      countryCode: z.string().optional(),
    }),
    profiles: z.array(ResumeProfileSchema),
  }),
  work: z.array(ResumeWorkSchema),
  education: z.array(ResumeEducationSchema),
  skills: z.array(z.object({ name: z.string() })),
  /** Field path ("basics.email", "work[0].name") → the line of visible text it came from. */
  evidence: z.record(z.string(), z.string()),
  warnings: z.array(z.string()),
  /** True when a person should look: hidden text found, contact fields disagree, nothing parsed... */
  needs_review: z.boolean(),
  /** Text in the file that is not visible on the page (white, tiny, off-page): dropped, counted. */
  hidden_text: z.object({ dropped: z.number().int().nonnegative(), samples: z.array(z.string()) }),
  /** The visible text in reading order: what screening may quote from. */
  visible_text: z.string(),
  source: z.enum(['text', 'ocr', 'docx']),
});

export type ResumeProfile = z.infer<typeof ResumeProfileSchema>;
export type ResumeWork = z.infer<typeof ResumeWorkSchema>;
export type ResumeEducation = z.infer<typeof ResumeEducationSchema>;
export type ResumeParse = z.infer<typeof ResumeParseSchema>;

export interface ParseResumeOptions {
  /**
   * OCR for scanned PDFs (no text layer) and for checking the text layer against the rendered
   * page. A pool the caller owns (it is not closed here); `false` turns OCR off (a scan then parses
   * to an empty resume with a warning). Default: a pool created for the call and closed after.
   */
  ocr?: OcrPool | false;
  /**
   * Also OCR every rendered text page and drop text-layer lines the OCR does not see at all
   * (text covered by an image, which the pixel check cannot tell from ink). Costs one OCR pass
   * per page; needs `ocr` not false. Default off.
   */
  ocrCheck?: boolean;
  /** Per-document time limit for the PDF reader (default 60 s). */
  timeoutMs?: number;
}

/** The signature parse.ts exports. */
export type ParseResume = (bytes: Buffer, filename: string, options?: ParseResumeOptions) => Promise<ResumeParse>;
