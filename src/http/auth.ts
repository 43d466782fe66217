/**
 * API bearer tokens. `MAILROOM_API_TOKEN` holds one or more, comma-separated; a token written
 * `name:secret` makes its caller `api:name` (the identity votes and runs are recorded under). The
 * header may carry the whole `name:secret` or the secret alone. With none configured, the service
 * generates one at first start and keeps it in `<data dir>/api-token` (mode 0600), logging where
 * it is and never the token itself.
 *
 * Every presented token is compared with every configured one through SHA-256 digests and
 * `timingSafeEqual`, without stopping at the first match, so the time taken says nothing about
 * how much of a secret was right.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface ApiToken {
  /** `api:<name>`, or `api:default` for a token without a name. */
  identity: string;
  digests: Buffer[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const MIN_SECRET = 16;
const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

export function parseTokens(value: string, variable = 'MAILROOM_API_TOKEN'): ApiToken[] {
  const tokens: ApiToken[] = [];
  for (const entry of value.split(',').map((t) => t.trim()).filter(Boolean)) {
    const at = entry.indexOf(':');
    const named = at > 0 && NAME.test(entry.slice(0, at));
    const secret = named ? entry.slice(at + 1) : entry;
    if (secret.length < MIN_SECRET) {
      throw new ConfigError(`Invalid configuration:\n  ${variable}: ${named ? `the token of "${entry.slice(0, at)}"` : 'a token'} is shorter than ${MIN_SECRET} characters (e.g. generate one with: openssl rand -hex 24)`);
    }
    tokens.push({ identity: `api:${named ? entry.slice(0, at) : 'default'}`, digests: named ? [digest(entry), digest(secret)] : [digest(secret)] });
  }
  if (!tokens.length) throw new ConfigError(`Invalid configuration:\n  ${variable}: no token in the value`);
  return tokens;
}

export function apiTokenFile(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'api-token');
}

/** The configured tokens, or the generated one (created on first start). */
export function loadApiTokens(config: Pick<Config, 'env' | 'dataDir'>, log: Logger): ApiToken[] {
  if (config.env.MAILROOM_API_TOKEN) return parseTokens(config.env.MAILROOM_API_TOKEN);
  const file = apiTokenFile(config);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const token = `local:${crypto.randomBytes(24).toString('base64url')}`;
    try {
      // `wx`: two services starting at once must not overwrite each other's token.
      fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
      log.info({ path: file }, `MAILROOM_API_TOKEN is not set: generated an API token for caller api:local; it is in ${file} (send it as Authorization: Bearer <token>)`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } else {
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) log.warn({ path: file, mode: mode.toString(8) }, 'the API token file is readable by other users; chmod 600 it');
    log.info({ path: file }, `MAILROOM_API_TOKEN is not set: using the API token in ${file}`);
  }
  return parseTokens(fs.readFileSync(file, 'utf8').trim(), file);
}

/** The caller identity for an `Authorization: Bearer …` header, or undefined. */
export function authenticate(tokens: ApiToken[], authorization: string | undefined): string | undefined {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!presented) return undefined;
  const mine = digest(presented);
  let found: string | undefined;
  for (const t of tokens) for (const d of t.digests) if (crypto.timingSafeEqual(mine, d) && !found) found = t.identity;
  return found;
}
