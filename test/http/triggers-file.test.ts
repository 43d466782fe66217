/** The triggers file is validated at start like the policy: every error names its key. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { z } from 'zod';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { checkScheduleInputs, loadTriggers } from '../../src/triggers/file.ts';
import { mapBody } from '../../src/triggers/body-map.ts';
import { nextOccurrences, occurrenceAtOrBefore } from '../../src/triggers/cron.ts';
import { repoRoot } from '../harness/shared.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-triggers-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const load = (yaml: string, env: Record<string, string> = {}) => {
  const file = path.join(dir, `t${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, yaml);
  return loadTriggers(loadConfig({ MAILROOM_TRIGGERS: file }), dir, env);
};
const problems = (yaml: string, env: Record<string, string> = {}) => {
  try {
    load(yaml, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail('expected the file to be refused');
};

test('a valid triggers file gives webhook sources (plus the built-in new-lead) and schedules with defaults', () => {
  const t = load(`
webhooks:
  github: { workflow: support, secret: "\${GH_SECRET}", map: { text: pull_request.title } }
  new-lead: { workflow: lead, map: { email: contact.email } }
schedules:
  morning: { cron: "0 7 * * 1-5", tz: Europe/Berlin, workflow: support, input: { text: hi } }
`, { GH_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
  assert.equal(t.webhooks.get('github')!.secret, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'the secret came from the environment');
  assert.deepEqual(t.webhooks.get('new-lead')!.map, { email: 'contact.email' }, 'the file overrides the built-in source');
  assert.deepEqual(t.schedules.get('morning'), { name: 'morning', cron: '0 7 * * 1-5', tz: 'Europe/Berlin', workflow: 'support', input: { text: 'hi' }, catch_up: 3_600_000 });
  const none = loadTriggers(loadConfig({}));
  assert.deepEqual([...none.webhooks.keys()], ['new-lead']);
  assert.equal(none.webhooks.get('new-lead')!.workflow, 'lead');
});

test('errors name the key: unknown keys, bad cron, bad time zone, missing or malformed secrets, bad names', () => {
  assert.match(problems('webhooks: { a: { workflow: x, secrt: y } }'), /webhooks\.a: Unrecognized key: "secrt"/);
  assert.match(problems('schedules: { s: { cron: "61 * * * *", workflow: x } }'), /schedules\.s\.cron: .*61/);
  assert.match(problems('schedules: { s: { cron: "* * * *", workflow: x } }'), /schedules\.s\.cron: expected 5 cron fields/);
  assert.match(problems('schedules: { s: { cron: "0 7 * * *", tz: Mars/Base, workflow: x } }'), /schedules\.s\.tz: .*Mars\/Base/);
  assert.match(problems('webhooks: { a: { workflow: x, secret: "${NOPE}" } }'), /webhooks\.a\.secret: the environment variable NOPE is not set/);
  assert.match(problems('webhooks: { a: { workflow: x, secret: "" } }'), /webhooks\.a\.secret/);
  assert.match(problems('webhooks: { "bad name!": { workflow: x } }'), /webhooks\.bad name!/);
  assert.match(problems('schedules: { s: { workflow: x } }'), /schedules\.s\.cron/);
  assert.match(problems('triggers: {}'), /Unrecognized key: "triggers"/);
  assert.match(problems('webhooks: [oops'), /not valid YAML/);
  assert.match(problems('webhooks: { a: { workflow: x, map: { email: "a..b" } } }'), /webhooks\.a\.map\.email/);
});

test('schedule inputs are checked against their workflow schema once workflows are known', () => {
  const t = load('schedules: { s: { cron: "0 7 * * *", workflow: digest, input: { days: "seven" } } }');
  assert.throws(() => checkScheduleInputs(t, (name) => (name === 'digest' ? z.object({ days: z.number() }) : undefined)), /schedules\.s\.input\.days: .*expected number/);
  checkScheduleInputs(t, () => undefined); // a workflow not installed is checked when it fires
});

test('a bad triggers file stops `mailroom start` with the key in the message (exit 78)', () => {
  const file = path.join(dir, 'bad.yaml');
  fs.writeFileSync(file, 'schedules: { nightly: { cron: "0 25 * * *", workflow: support } }');
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), 'start'], { env: { ...process.env, MAILROOM_TRIGGERS: file, MAILROOM_DATA_DIR: dir }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 78, r.stderr);
  assert.match(r.stderr, /MAILROOM_TRIGGERS: .*bad\.yaml is invalid:\n\s+schedules\.nightly\.cron:/);
});

test('the occurrence a job belongs to is the latest one at or before it was sent', () => {
  const at = new Date('2026-03-02T07:00:41.500Z');
  assert.equal(occurrenceAtOrBefore('0 7 * * *', 'UTC', at)!.toISOString(), '2026-03-02T07:00:00.000Z');
  assert.equal(occurrenceAtOrBefore('* * * * *', 'UTC', at)!.toISOString(), '2026-03-02T07:00:00.000Z');
  assert.equal(occurrenceAtOrBefore('0 8 * * *', 'Europe/Berlin', at)!.toISOString(), '2026-03-02T07:00:00.000Z', '08:00 in Berlin is 07:00 UTC in March');
  assert.equal(occurrenceAtOrBefore('0 6 * * *', 'UTC', at)!.toISOString(), '2026-03-02T06:00:00.000Z', 'a job sent late still maps to its own occurrence');
  assert.equal(nextOccurrences('0 7 * * *', 'UTC', at)[0]!.toISOString(), '2026-03-03T07:00:00.000Z');
});

test('a body maps to input by dot paths, own properties only', () => {
  assert.deepEqual(mapBody({ a: { b: 1 }, c: 2 }, { x: 'a.b', y: 'c', z: 'missing.path' }), { input: { x: 1, y: 2 }, from: { x: 'a.b', y: 'c', z: 'missing.path' } });
  assert.deepEqual(mapBody({ a: 1 }, { x: '__proto__.polluted', y: 'constructor.name' }).input, {});
  assert.deepEqual(mapBody([1, 2], undefined).input, {}, 'without a map only an object body gives fields');
});
