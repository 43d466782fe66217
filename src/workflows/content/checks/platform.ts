/**
 * Platform limits, by code: X by twitter-text's weighted length (URLs count 23, CJK counts
 * double), LinkedIn's 3,000 characters, an email subject's 78 (with a warning past 50, where
 * many clients cut it).
 */
import twitter from 'twitter-text';
import type { ContentPolicy } from '../policy.ts';

export interface Variants {
  x: string;
  linkedin: string;
  email: { subject: string; body: string };
}

export interface PlatformResult {
  passed: boolean;
  x: { weighted_length: number; max: number; ok: boolean } | null;
  linkedin: { length: number; max: number; ok: boolean } | null;
  email: { subject_length: number; max: number; ok: boolean; warning: string | null } | null;
  failures: string[];
  warnings: string[];
}

export function checkPlatforms(variants: Partial<Variants>, policy: ContentPolicy['platform']): PlatformResult {
  const failures: string[] = [];
  const warnings: string[] = [];
  let x: PlatformResult['x'] = null;
  if (variants.x !== undefined) {
    const weighted = twitter.parseTweet(variants.x).weightedLength;
    x = { weighted_length: weighted, max: policy.x_max, ok: weighted <= policy.x_max && variants.x.trim().length > 0 };
    if (!x.ok) failures.push(`X post is ${weighted} weighted characters (at most ${policy.x_max})`);
  }
  let linkedin: PlatformResult['linkedin'] = null;
  if (variants.linkedin !== undefined) {
    const length = [...variants.linkedin].length;
    linkedin = { length, max: policy.linkedin_max, ok: length <= policy.linkedin_max && length > 0 };
    if (!linkedin.ok) failures.push(`LinkedIn post is ${length} characters (at most ${policy.linkedin_max})`);
  }
  let email: PlatformResult['email'] = null;
  if (variants.email !== undefined) {
    const length = [...variants.email.subject].length;
    const warning = length > policy.email_subject_warn ? `email subject is ${length} characters; many clients cut it after ${policy.email_subject_warn}` : null;
    email = { subject_length: length, max: policy.email_subject_max, ok: length <= policy.email_subject_max && length > 0, warning };
    if (!email.ok) failures.push(`email subject is ${length} characters (at most ${policy.email_subject_max})`);
    if (warning) warnings.push(warning);
  }
  return { passed: failures.length === 0, x, linkedin, email, failures, warnings };
}
