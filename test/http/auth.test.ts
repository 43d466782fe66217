/** API tokens: parsing, the generated token file, and the caller a header names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { apiTokenFile, authenticate, loadApiTokens, parseTokens } from '../../src/http/auth.ts';

function capturingLogger() {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  return { log, lines };
}

test('without MAILROOM_API_TOKEN a token is generated once into <data dir>/api-token (0600), its path logged and never the token', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-token-'));
  const config = loadConfig({ MAILROOM_DATA_DIR: dataDir }, dataDir);
  const { log, lines } = capturingLogger();
  const tokens = loadApiTokens(config, log);
  const file = apiTokenFile(config);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const token = fs.readFileSync(file, 'utf8').trim();
  assert.match(token, /^local:[A-Za-z0-9_-]{32}$/);
  assert.equal(authenticate(tokens, `Bearer ${token}`), 'api:local');
  assert.ok(lines.some((l) => l.includes(file)), 'the log says where the token is');
  assert.ok(lines.every((l) => !l.includes(token.slice(6))), 'and never the token');

  const again = loadApiTokens(config, capturingLogger().log);
  assert.equal(authenticate(again, `Bearer ${token}`), 'api:local', 'the next start reuses the file');
  assert.equal(fs.readFileSync(file, 'utf8').trim(), token);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('configured tokens name their callers; the header may carry name:secret or the secret alone; anything else is nobody', () => {
  const tokens = parseTokens('alice:alice-secret-0123456789, bob:bob-secret-0123456789abc,plain-secret-0123456789');
  assert.equal(authenticate(tokens, 'Bearer alice:alice-secret-0123456789'), 'api:alice');
  assert.equal(authenticate(tokens, 'bearer bob-secret-0123456789abc'), 'api:bob');
  assert.equal(authenticate(tokens, 'Bearer plain-secret-0123456789'), 'api:default');
  for (const header of [undefined, '', 'Bearer', 'Basic YWxpY2U6eA==', 'Bearer alice:bob-secret-0123456789abc', 'Bearer alice-secret-012345678', 'Bearer alice:alice-secret-0123456789 extra']) {
    assert.equal(authenticate(tokens, header), undefined, String(header));
  }
  assert.throws(() => parseTokens('alice:short'), (err: unknown) => err instanceof ConfigError && /MAILROOM_API_TOKEN: the token of "alice" is shorter than 16/.test(err.message));
  assert.throws(() => parseTokens(' , '), ConfigError);
});
