/**
 * Who brought an item in, as every identity they vote under. A person may appear as a Slack
 * user, a CLI operator, an API caller and an email address; separation of duties means none of
 * those may approve what that person started, so the identities are expanded through the
 * policy's `people` and, when Slack is connected, its directory (`users.lookupByEmail`).
 */
import type { Policy } from '../policy/schema.ts';
import type { Requester, RequesterResolver } from './ask.ts';

export function createRequesterResolver(policy: Pick<Policy, 'people'>, lookupByEmail?: (email: string) => Promise<string | undefined>): RequesterResolver {
  return async (requester: Requester) => {
    const email = requester.email?.trim().toLowerCase() || null;
    const ids = new Set<string>();
    if (requester.identity) ids.add(requester.identity);
    if (email) {
      ids.add(`email:${email}`);
      // The directory is a convenience: without it the policy's people still apply.
      const slackUser = lookupByEmail ? await lookupByEmail(email).catch(() => undefined) : undefined;
      if (slackUser) ids.add(slackUser);
    }
    for (const person of policy.people) {
      const emails = person.emails.map((e) => e.toLowerCase());
      if ((email && emails.includes(email)) || person.identities.some((i) => ids.has(i))) {
        for (const i of person.identities) ids.add(i);
        for (const e of emails) ids.add(`email:${e}`);
      }
    }
    return [...ids];
  };
}
