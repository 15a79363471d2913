import { createPubSub } from '@graphql-yoga/subscription';
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

type LocalBus = ReturnType<typeof createPubSub<Record<string, [string, unknown]>>>;

/**
 * Cross-instance events over PostgreSQL LISTEN/NOTIFY. `notify(em, …)` runs `pg_notify` inside the
 * caller's transaction, so an event is delivered if and only if its change commits, and every
 * instance on the database (including this one) receives it through its LISTEN connection.
 * Subscribers only ever see their own company's events: the local bus is keyed by company id.
 */
export class PgEventBus {
  private readonly bus: LocalBus = createPubSub();
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
    const inner = this.bus.subscribe(topic, companyId)[Symbol.asyncIterator]();
    this.onCount(1);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        this.onCount(-1);
      }
    };
    const iterator: AsyncIterableIterator<unknown> = {
      next: () => inner.next(),
      return: async (value?: unknown) => {
        finish();
        await inner.return?.();
        return { done: true, value };
      },
      throw: async (error?: unknown) => {
        finish();
        await inner.return?.();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
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
    client.on('end', () => {
      if (!this.closed) this.scheduleReconnect();
    });
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    for (const channel of this.wakeups.keys()) await client.query(`listen ${channel}`);
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
      this.bus.publish(message.topic, message.companyId, payload);
    } catch (error) {
      this.log.error({ err: error }, 'could not dispatch event');
    }
  }
}
