import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';

test('defaults give a runnable config with the embedded database', () => {
  const c = loadConfig({}, '/srv/mailroom');
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.dataDir, '/srv/mailroom/.mailroom');
  assert.equal(c.inboxDir, '/srv/mailroom/.mailroom/inbox');
  assert.equal(c.port, 3000);
  assert.equal(c.engine.stepAttempts, 3);
  assert.equal(c.engine.maxSteps, 20);
});

test('a bad value names the variable and what is wrong', () => {
  assert.throws(() => loadConfig({ PORT: 'abc' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /PORT: .*number/);
    assert.match(err.message, /got "abc"/);
    return true;
  });
  assert.throws(() => loadConfig({ DATABASE_URL: 'not a url' }), /DATABASE_URL/);
  assert.throws(() => loadConfig({ IMAP_TLS: 'maybe' }), /IMAP_TLS/);
});

test('every problem is reported at once, one line per variable', () => {
  assert.throws(() => loadConfig({ PORT: '-1', LOG_LEVEL: 'loud' }), (err: Error) => /PORT/.test(err.message) && /LOG_LEVEL/.test(err.message));
});

test('settings that need a partner say which one is missing', () => {
  assert.throws(() => loadConfig({ LLM_PROVIDER: 'anthropic' }), /ANTHROPIC_API_KEY: required when LLM_PROVIDER=anthropic/);
  assert.throws(() => loadConfig({ IMAP_HOST: 'imap.example.com' }), /IMAP_USER/);
});

test('an empty variable counts as unset', () => {
  const c = loadConfig({ DATABASE_URL: undefined, PORT: undefined });
  assert.equal(c.port, 3000);
});

test('.env.example documents every variable the config schema reads', async () => {
  const fs = await import('node:fs');
  const { envSchema } = await import('../../src/config.ts');
  const example = fs.readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
  const missing = Object.keys(envSchema.shape).filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(example));
  assert.deepEqual(missing, []);
});

test('.env.example documents every email variable too', async () => {
  const fs = await import('node:fs');
  const { emailEnvSchema } = await import('../../src/channels/email/settings.ts');
  const example = fs.readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
  const missing = Object.keys(emailEnvSchema.shape).filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(example));
  assert.deepEqual(missing, []);
});

test('OCR languages come from config; one that is not installed stops start-up naming the package', async () => {
  assert.equal(loadConfig({}).env.OCR_LANGUAGES, 'eng');
  assert.throws(() => loadConfig({ OCR_LANGUAGES: 'eng;deu' }), /OCR_LANGUAGES/);
  const { createOcrPool } = await import('../../src/documents/ocr-pool.ts');
  assert.throws(() => createOcrPool({ languages: ['eng', 'xyz'] }), (err: unknown) => err instanceof ConfigError && /npm install @tesseract\.js-data\/xyz/.test(err.message));
});
