import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteBatcher } from '../../src/engine/write-batcher.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('a lone write goes at once; writes arriving while others are in flight go together, each answered with its own result', async () => {
  const batches: number[][] = [];
  const write = createWriteBatcher(async (items: number[]) => {
    batches.push(items);
    await tick();
    return items.map((i) => i * 10);
  }, { inFlight: 1 });
  assert.equal(await write(1), 10);
  const out = await Promise.all([2, 3, 4, 5].map((i) => write(i)));
  assert.deepEqual(out, [20, 30, 40, 50]);
  assert.deepEqual(batches[0], [1], 'alone, at once');
  assert.deepEqual(batches.flat(), [1, 2, 3, 4, 5]);
  assert.ok(batches.length <= 3, `four writes at once went in ${batches.length - 1} statements`);
});

test('when a combined write fails, each write is tried alone, so only the bad one fails', async () => {
  const write = createWriteBatcher(async (items: number[]) => {
    await tick();
    if (items.includes(13)) throw new Error('13 is not storable');
    return items;
  }, { inFlight: 1 });
  const results = await Promise.allSettled([1, 2, 13, 4].map((i) => write(i)));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[2] as PromiseRejectedResult).reason), /13 is not storable/);
});

test('a batch holds at most maxBatch writes', async () => {
  const sizes: number[] = [];
  const write = createWriteBatcher(async (items: number[]) => {
    sizes.push(items.length);
    await tick();
    return items;
  }, { inFlight: 1, maxBatch: 3 });
  await Promise.all(Array.from({ length: 8 }, (_, i) => write(i)));
  assert.deepEqual(sizes, [1, 3, 3, 1]);
});
