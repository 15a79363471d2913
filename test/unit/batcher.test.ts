import { describe, expect, it } from 'vitest';
import { Batcher } from '../../server/platform/batcher.js';

/** A batch function that records its batches and finishes each when the test says so. */
function controlled() {
  const batches: number[][] = [];
  const pending: Array<() => void> = [];
  const run = (items: number[]) =>
    new Promise<number[]>((resolve) => {
      batches.push(items);
      pending.push(() => resolve(items.map((i) => i * 10)));
    });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { batches, run, finishOne: async () => (pending.shift()!(), await tick()), tick };
}

describe('Batcher', () => {
  it('sends a lone call at once, and queues calls while maxInFlight batches run, sending them together', async () => {
    const c = controlled();
    const batcher = new Batcher(c.run, 2);
    const results = [1, 2, 3, 4, 5].map((i) => batcher.submit(i));
    await c.tick();
    expect(c.batches).toEqual([[1], [2]]);
    await c.finishOne();
    expect(c.batches).toEqual([[1], [2], [3, 4, 5]]);
    await c.finishOne();
    await c.finishOne();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
  });

  it('caps a batch at maxBatch items', async () => {
    const c = controlled();
    const batcher = new Batcher(c.run, 1, 2);
    const results = [1, 2, 3, 4, 5].map((i) => batcher.submit(i));
    await c.tick();
    for (let i = 0; i < 3; i++) await c.finishOne();
    expect(c.batches).toEqual([[1], [2, 3], [4, 5]]);
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
  });

  it('rejects every call of a failing batch and goes on with the next', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>(async (items) => {
      calls += 1;
      if (calls === 2) throw new Error('banco fora do ar');
      return items;
    }, 1);
    const results = await Promise.allSettled([1, 2, 3].map((i) => batcher.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(await batcher.submit(4)).toBe(4);
  });
});
