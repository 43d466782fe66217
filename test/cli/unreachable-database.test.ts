import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mailroomAsync } from '../harness/cli.ts';

test('a database that does not answer is one clear line (where, why, what to check), exit 69, no stack trace and no password', async () => {
  // A port nobody listens on: taken and released, so the connect is refused.
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const r = await mailroomAsync(['runs'], { DATABASE_URL: `postgres://mailroom:hunter2@127.0.0.1:${port}/mailroom`, LOG_LEVEL: 'silent' });
  assert.equal(r.status, 69);
  assert.match(r.stderr, new RegExp(`cannot reach the database at DATABASE_URL \\(postgres://mailroom:\\*\\*\\*@127\\.0\\.0\\.1:${port}/mailroom\\): .*ECONNREFUSED.*Is it running, and is DATABASE_URL right\\?`));
  assert.doesNotMatch(r.stderr, /hunter2/);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
});
