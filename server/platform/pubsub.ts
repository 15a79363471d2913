import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Logger } from './logger.js';

const CHANNEL = 'secretaria_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7900;

export interface EventEnvelope {
  topic: string;
  companyId: string;
  payload: unknown;
}

/**
 * Events a subscriber may fall behind by (its socket not keeping up) before its subscription is
 * ended with an error: the client resubscribes and reloads, instead of the server buffering without
 * bound or silently dropping changes.
 */
export const MAX_QUEUED_EVENTS = 1000;

/**
 * One subscription's events, pulled by graphql-ws's `for await`: an event is handed straight to a
 * waiting `next()`, or queued until the next one. This is the whole per-subscriber cost of an event
 * (a `Set` walk and one resolved promise); general-purpose pubsubs (EventTarget + Repeater) cost
 * several promises and an event object per subscriber, which adds up at 1,000 subscribers per process.
 */
export class EventQueue implements AsyncIterableIterator<unknown> {
  private readonly queue: unknown[] = [];
  private waiting: ((result: IteratorResult<unknown>) => void) | undefined;
  private ended = false;
  private overflowed = false;

  constructor(private readonly onEnd: () => void) {}

  push(value: unknown): void {
    if (this.ended || this.overflowed) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting({ value, done: false });
    } else if (this.queue.length < MAX_QUEUED_EVENTS) {
      this.queue.push(value);
    } else {
      this.overflowed = true;
    }
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift(), done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.overflowed) {
      this.end();
      return Promise.reject(new Error('Esta assinatura ficou atrasada demais e foi encerrada; assine de novo e recarregue os dados.'));
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<unknown>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.onEnd();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }
}

/**
 * Cross-instance events over PostgreSQL LISTEN/NOTIFY. `notify(em, …)` runs `pg_notify` inside the
 * caller's transaction, so an event is delivered if and only if its change commits, and every
 * instance on the database (including this one) receives it through its LISTEN connection.
 * Subscribers only ever see their own company's events: the local bus is keyed by company id.
 */
export class PgEventBus {
  /** Local subscribers by `topic \0 companyId`. */
  private readonly subscribers = new Map<string, Set<EventQueue>>();
  private client: pg.Client | undefined;
  private closed = false;
  private reconnectDelay = 250;
  private readonly oversized = new Map<string, (companyId: string, payload: unknown) => Promise<unknown>>();
  private onCount: (delta: number) => void = () => {};
  private readonly wakeups = new Map<string, (payload?: string) => void>();

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  /** Track active subscriptions (for the gauge). */
  onSubscriptionCount(listener: (delta: number) => void): void {
    this.onCount = listener;
  }

  /**
   * A payload too big for NOTIFY is sent as a reference and re-read by each instance with `reload`.
   */
  registerReload(topic: string, reload: (companyId: string, payload: unknown) => Promise<unknown>): void {
    this.oversized.set(topic, reload);
  }

  /**
   * Wake-up channels: `wake(channel)` runs `handler(payload)` whenever something sends
   * `pg_notify(channel, payload)` (any instance), and `handler()` once now and after every reconnect,
   * since notifications sent while the connection was down are lost: without a payload the handler
   * must assume it missed anything (find pending work in the database, drop every cached entry).
   */
  async wake(channel: string, handler: (payload?: string) => void): Promise<void> {
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`invalid channel name: ${channel}`);
    this.wakeups.set(channel, handler);
    await this.client?.query(`listen ${channel}`);
    handler();
  }

  async notify(em: EntityManager, envelope: EventEnvelope, reference?: unknown): Promise<void> {
    let text = JSON.stringify(envelope);
    if (Buffer.byteLength(text) > MAX_PAYLOAD) {
      text = JSON.stringify({ ...envelope, payload: reference, oversized: true });
    }
    await em.getConnection().execute('select pg_notify(?, ?)', [CHANNEL, text], 'get', em.getTransactionContext());
  }

  subscribe(topic: string, companyId: string): AsyncIterableIterator<unknown> {
    const key = `${topic}\u0000${companyId}`;
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    const subscribers = set;
    const queue: EventQueue = new EventQueue(() => {
      subscribers.delete(queue);
      if (subscribers.size === 0 && this.subscribers.get(key) === subscribers) this.subscribers.delete(key);
      this.onCount(-1);
    });
    subscribers.add(queue);
    this.onCount(1);
    return queue;
  }

  /** Hands an event to this process's subscribers of its company (only theirs). */
  private publish(topic: string, companyId: string, payload: unknown): void {
    const subscribers = this.subscribers.get(`${topic}\u0000${companyId}`);
    if (subscribers) for (const queue of subscribers) queue.push(payload);
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true });
    client.on('notification', (message) => {
      const wake = this.wakeups.get(message.channel);
      if (wake) wake(message.payload);
      else void this.dispatch(message.payload);
    });
    client.on('error', (error) => this.log.warn({ err: error }, 'event bus connection error'));
    // Only the established connection reconnects when it ends: a connection that failed while
    // connecting also ends, and its failure is retried by the caller; both reconnecting would leave
    // two LISTEN connections, each delivering every event (seen after a PostgreSQL restart).
    client.on('end', () => {
      if (this.closed || this.client !== client) return;
      this.client = undefined;
      this.scheduleReconnect();
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      for (const channel of this.wakeups.keys()) await client.query(`listen ${channel}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.reconnectDelay = 250;
    for (const wake of this.wakeups.values()) wake();
  }

  private scheduleReconnect(): void {
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, 10_000);
    this.log.warn({ delay }, 'event bus disconnected; reconnecting');
    setTimeout(() => {
      if (this.closed) return;
      this.connect().catch((error) => {
        this.log.warn({ err: error }, 'event bus reconnect failed');
        this.scheduleReconnect();
      });
    }, delay).unref();
  }

  private async dispatch(raw: string | undefined): Promise<void> {
    if (!raw) return;
    try {
      const message = JSON.parse(raw) as EventEnvelope & { oversized?: boolean };
      let payload = message.payload;
      if (message.oversized) {
        const reload = this.oversized.get(message.topic);
        if (!reload) return;
        payload = await reload(message.companyId, message.payload);
      }
      this.publish(message.topic, message.companyId, payload);
    } catch (error) {
      this.log.error({ err: error }, 'could not dispatch event');
    }
  }
}
