import { describe, expect, it } from 'vitest';
import { EventQueue, MAX_QUEUED_EVENTS, PgEventBus } from '../../server/platform/pubsub.js';
import { createLogger } from '../../server/platform/logger.js';

describe('EventQueue (one subscription of the event bus)', () => {
  it('hands an event to a waiting next() and queues the ones that come before it is asked', async () => {
    const queue = new EventQueue(() => {});
    const waiting = queue.next();
    queue.push('a');
    queue.push('b');
    queue.push('c');
    expect(await waiting).toEqual({ value: 'a', done: false });
    expect(await queue.next()).toEqual({ value: 'b', done: false });
    expect(await queue.next()).toEqual({ value: 'c', done: false });
  });

  it('ends once: a waiting next() completes, later events are dropped, onEnd runs one time', async () => {
    let ended = 0;
    const queue = new EventQueue(() => (ended += 1));
    const waiting = queue.next();
    await queue.return();
    await queue.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    queue.push('late');
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(ended).toBe(1);
  });

  it(`ends with an error, after what it queued, a subscriber more than ${MAX_QUEUED_EVENTS} events behind`, async () => {
    let ended = 0;
    const queue = new EventQueue(() => (ended += 1));
    for (let i = 0; i <= MAX_QUEUED_EVENTS; i++) queue.push(i);
    for (let i = 0; i < MAX_QUEUED_EVENTS; i++) expect((await queue.next()).value).toBe(i);
    await expect(queue.next()).rejects.toThrow(/atrasada demais/);
    expect(ended).toBe(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });
});

describe('PgEventBus local subscriptions', () => {
  it('counts subscriptions in and out, once each', async () => {
    const bus = new PgEventBus('postgres://unused', createLogger('silent'));
    let active = 0;
    bus.onSubscriptionCount((delta) => (active += delta));
    const one = bus.subscribe('T', 'company-a');
    const two = bus.subscribe('T', 'company-b');
    expect(active).toBe(2);
    await one.return!();
    await one.return!();
    await expect(two.throw!(new Error('closed'))).rejects.toThrow('closed');
    expect(active).toBe(0);
  });
});
