import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createCacheWatch } from '../../src/llm/cache-watch.ts';

function capture() {
  const lines: Array<{ msg: string; task: string; level: number }> = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { log: pino({ level: 'warn' }, stream), lines };
}

test('a task that never reads the prompt cache is reported once, with the likely cause', async () => {
  const { log, lines } = capture();
  const watch = createCacheWatch(log, 3);
  for (let i = 0; i < 6; i++) watch('triage', { cacheReadTokens: 0, cacheWriteTokens: 0 });
  for (let i = 0; i < 6; i++) watch('draft_reply', { cacheReadTokens: 0, cacheWriteTokens: 1200 });
  for (let i = 0; i < 6; i++) watch('extract_invoice_vision', { cacheReadTokens: i ? 1500 : 0, cacheWriteTokens: i ? 0 : 1500 });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(lines.map((l) => l.task), ['triage', 'draft_reply'], 'once per task; a task that reads its cache is quiet');
  assert.match(lines[0]!.msg, /below the model's minimum cacheable length/);
  assert.match(lines[1]!.msg, /changes between calls/);
});
