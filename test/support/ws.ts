import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Subscriber<T> {
  received: T[];
  /** Resolves when at least `count` events arrived (rejects after `timeoutMs`, 10 s unless told). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  close(): Promise<void>;
  /** Resolves once the server has registered the subscription. */
  ready: Promise<void>;
  client: Client;
}

const SUBSCRIPTION = `subscription { appointmentChanged { kind appointment { id status clientName startAt calBookingUid meetingUrl } } }`;

export function subscribe<T = { kind: string; appointment: Record<string, any> }>(url: string, token: string | undefined, query = SUBSCRIPTION): Subscriber<T> {
  const received: T[] = [];
  let onReady!: () => void;
  let onFail!: (e: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  const client = createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: (error) => onFail(error),
    on: { closed: (e) => onFail(e) },
  });
  const listeners: Array<() => void> = [];
  client.subscribe<T>({ query }, {
    next: (value) => {
      if (value.data) received.push((value.data as Record<string, T>).appointmentChanged ?? (value.data as T));
      listeners.forEach((l) => l());
    },
    error: (error) => onFail(error),
    complete: () => {},
  });
  // Sent after the subscription on the same socket and answered after the server has taken it (the
  // server handles a socket's messages in order, and a query's answer takes longer than registering
  // a subscription): once this query is answered, the subscription receives every later change.
  client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: (error) => onFail(error), complete: () => onReady() });
  return {
    received,
    ready,
    client,
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolve(received);
          }
        };
        const timer = setTimeout(() => reject(new Error(`expected ${count} events, got ${received.length}: ${JSON.stringify(received)}`)), timeoutMs);
        listeners.push(check);
        check();
      }),
    close: async () => client.dispose(),
  };
}

/** Waits long enough for a cross-instance NOTIFY round trip, to assert that nothing arrived. */
export const settle = (ms = 400) => new Promise((resolve) => setTimeout(resolve, ms));
