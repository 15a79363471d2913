import { afterEach, describe, expect, it } from 'vitest';
import { Drain } from '../../server/platform/drain.js';
import { createLogger } from '../../server/platform/logger.js';

const log = createLogger('silent');
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A step that records its runs and finishes when the test says so. */
function controlledStep() {
  const runs: number[] = [];
  const pending: Array<(more: boolean) => void> = [];
  return {
    runs,
    step: () =>
      new Promise<boolean>((resolve) => {
        runs.push(performance.now());
        pending.push(resolve);
      }),
    finish: async (more = false) => {
      pending.shift()!(more);
      await tick();
    },
  };
}

describe('Drain', () => {
  const drains: Drain[] = [];
  afterEach(async () => {
    await Promise.all(drains.splice(0).map((d) => d.stop()));
  });
  const make = (step: () => Promise<boolean>, coalesceMs = 0) => {
    const drain = new Drain('test', step, log, 60_000, coalesceMs);
    drains.push(drain);
    return drain;
  };

  it('runs the step until it reports no more work', async () => {
    const s = controlledStep();
    make(s.step).wake();
    await tick();
    await s.finish(true);
    await s.finish(true);
    await s.finish(false);
    expect(s.runs).toHaveLength(3);
  });

  it('turns any number of wake-ups during a run into one more run', async () => {
    const s = controlledStep();
    const drain = make(s.step);
    drain.wake();
    await tick();
    for (let i = 0; i < 5; i++) drain.wake();
    await s.finish();
    expect(s.runs).toHaveLength(2);
    await s.finish();
    await tick();
    expect(s.runs).toHaveLength(2);
  });

  it('with coalesceMs, starts the follow-up run that long after the previous one, and a run after a quiet spell at once', async () => {
    const s = controlledStep();
    const drain = make(s.step, 30);
    drain.wake();
    await tick();
    expect(s.runs).toHaveLength(1);
    drain.wake();
    const ended = performance.now();
    await s.finish();
    expect(s.runs).toHaveLength(1);
    drain.wake(); // more wake-ups while waiting: still one run
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(s.runs).toHaveLength(2);
    expect(s.runs[1]! - ended).toBeGreaterThanOrEqual(25);
    await s.finish();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(s.runs).toHaveLength(2);
    const quiet = performance.now();
    drain.wake();
    await tick();
    expect(s.runs).toHaveLength(3);
    expect(s.runs[2]! - quiet).toBeLessThan(25);
    await s.finish();
  });

  it('stop() waits for the current run and cancels a pending one', async () => {
    const s = controlledStep();
    const drain = make(s.step, 10);
    drain.wake();
    await tick();
    drain.wake();
    const stopped = drain.stop();
    await s.finish();
    await stopped;
    await new Promise((resolve) => setTimeout(resolve, 30));
    drain.wake();
    await tick();
    expect(s.runs).toHaveLength(1);
  });

  it('with waitForRoom, waits for it before every step (a request burst first)', async () => {
    const s = controlledStep();
    const gates: Array<() => void> = [];
    const drain = new Drain('test', s.step, log, 60_000, 0, () => new Promise<void>((resolve) => gates.push(resolve)));
    drains.push(drain);
    drain.wake();
    await tick();
    expect(s.runs).toHaveLength(0);
    expect(gates).toHaveLength(1);
    gates.shift()!();
    await tick();
    expect(s.runs).toHaveLength(1);
    await s.finish(true); // more work: the next step waits for room again
    expect(s.runs).toHaveLength(1);
    expect(gates).toHaveLength(1);
    gates.shift()!();
    await tick();
    expect(s.runs).toHaveLength(2);
    await s.finish(false);
    expect(gates).toHaveLength(0);
  });

  it('retries a failing step at the next wake-up', async () => {
    let calls = 0;
    const drain = make(async () => {
      calls += 1;
      if (calls === 1) throw new Error('banco fora do ar');
      return false;
    });
    drain.wake();
    await tick();
    await tick();
    drain.wake();
    await tick();
    await tick();
    expect(calls).toBe(2);
  });
});
