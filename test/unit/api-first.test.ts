import { afterEach, describe, expect, it } from 'vitest';
import { ApiFirst } from '../../server/platform/api-first.js';

describe('ApiFirst (ROLE=all: requests before background jobs)', () => {
  const gates: ApiFirst[] = [];
  afterEach(() => gates.splice(0).forEach((g) => g.stop()));
  /** A gate whose timer never fires by itself: the test calls sample() with the utilisation it wants. */
  const make = (utilization: { value: number }, maxWaitMs = 300) => {
    const gate = new ApiFirst({ intervalMs: 10, utilization: 0.8, burstRequests: 5, maxWaitMs }, () => utilization.value);
    gate.stop();
    gates.push(gate);
    return gate;
  };
  const serve = (gate: ApiFirst, n: number) => {
    for (let i = 0; i < n; i++) gate.requestServed();
  };

  it('is busy only for a burst of requests on a saturated event loop', () => {
    const load = { value: 0.95 };
    const gate = make(load);
    serve(gate, 4);
    gate.sample();
    expect(gate.busy).toBe(false); // a few requests: jobs go on
    serve(gate, 5);
    gate.sample();
    expect(gate.busy).toBe(true);
    load.value = 0.5;
    serve(gate, 50);
    gate.sample();
    expect(gate.busy).toBe(false); // many requests, but room left
    load.value = 0.95;
    gate.sample();
    expect(gate.busy).toBe(false); // counts start again each interval
  });

  it('lets a job start at once when not busy, holds it while busy, and never longer than maxWaitMs', async () => {
    const load = { value: 0.95 };
    const gate = make(load, 10_000);
    let released = false;
    void gate.waitForRoom().then(() => (released = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(true); // no timer involved

    serve(gate, 10);
    gate.sample();
    released = false;
    const waiting = gate.waitForRoom().then(() => (released = true));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(released).toBe(false);
    gate.sample(); // a quiet interval: the job goes
    await waiting;
    expect(gate.busy).toBe(false);

    const bounded = make(load, 120);
    serve(bounded, 10);
    bounded.sample();
    const start = performance.now();
    await bounded.waitForRoom(); // still busy: released by maxWaitMs
    expect(bounded.busy).toBe(true);
    expect(performance.now() - start).toBeGreaterThanOrEqual(110);
  });

  it('lets a waiting job go at once when stopped (shutdown)', async () => {
    const gate = make({ value: 0.95 }, 10_000);
    serve(gate, 10);
    gate.sample();
    let released = false;
    const waiting = gate.waitForRoom().then(() => (released = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(released).toBe(false);
    gate.stop();
    await waiting;
    expect(gate.busy).toBe(false);
  });
});
