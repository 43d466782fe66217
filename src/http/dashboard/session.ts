/**
 * Dashboard sign-in. A person pastes an API token (MAILROOM_API_TOKEN) or a viewer token
 * (MAILROOM_VIEWER_TOKEN); it is checked like an API bearer token and traded for a session:
 * a random secret in an HTTP-only, SameSite=Strict cookie, of which only the SHA-256 is kept
 * (mailroom.dashboard_sessions, migration 0018). An API token signs in as `api:<name>` and may
 * act (vote under the approver lists, retry, cancel, send); a viewer token as `viewer:<name>`,
 * which reads only. The token itself is never stored or logged.
 */
import crypto from 'node:crypto';
import type { Queryable } from '../../engine/run-store.ts';
import { authenticate, parseTokens, type ApiToken } from '../auth.ts';

export const SESSION_COOKIE = 'mailroom_session';
export const SESSION_HOURS = 12;

export interface Session {
  identity: string;
  canAct: boolean;
}

export interface SignInTokens {
  api: ApiToken[];
  viewer: ApiToken[];
}

/** The viewer tokens of MAILROOM_VIEWER_TOKEN (none when unset); identities become `viewer:<name>`. */
export function viewerTokens(value: string | undefined): ApiToken[] {
  if (!value) return [];
  return parseTokens(value, 'MAILROOM_VIEWER_TOKEN').map((t) => ({ ...t, identity: t.identity.replace(/^api:/, 'viewer:') }));
}

/** Who a pasted token signs in as, or undefined. API tokens win over a viewer token with the same secret. */
export function whoIs(tokens: SignInTokens, token: string): Session | undefined {
  const header = `Bearer ${token.trim()}`;
  const actor = authenticate(tokens.api, header);
  if (actor) return { identity: actor, canAct: true };
  const viewer = authenticate(tokens.viewer, header);
  return viewer ? { identity: viewer, canAct: false } : undefined;
}

const hash = (secret: string) => crypto.createHash('sha256').update(secret, 'utf8').digest('hex');

/** Starts a session; the returned secret goes into the cookie and nowhere else. */
export async function createSession(db: Queryable, session: Session): Promise<string> {
  const secret = crypto.randomBytes(32).toString('base64url');
  await db.query('DELETE FROM mailroom.dashboard_sessions WHERE expires_at < now()');
  await db.query(
    `INSERT INTO mailroom.dashboard_sessions (secret_hash, identity, can_act, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 hour')`,
    [hash(secret), session.identity, session.canAct, SESSION_HOURS],
  );
  return secret;
}

export async function findSession(db: Queryable, secret: string | undefined): Promise<Session | undefined> {
  if (!secret || secret.length > 100) return undefined;
  const { rows } = await db.query<{ identity: string; can_act: boolean }>(
    'SELECT identity, can_act FROM mailroom.dashboard_sessions WHERE secret_hash = $1 AND expires_at > now()',
    [hash(secret)],
  );
  return rows[0] ? { identity: rows[0].identity, canAct: rows[0].can_act } : undefined;
}

export async function endSession(db: Queryable, secret: string | undefined): Promise<void> {
  if (secret) await db.query('DELETE FROM mailroom.dashboard_sessions WHERE secret_hash = $1', [hash(secret)]);
}
