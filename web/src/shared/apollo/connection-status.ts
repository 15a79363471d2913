/**
 * State of the live-updates WebSocket, shown in the header and used to refetch after a reconnect
 * (events sent while we were offline are not replayed by the server).
 */

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

type Listener = () => void;

const listeners = new Set<Listener>();
const connectedListeners = new Set<Listener>();
const restartHandlers = new Set<Listener>();
let current: ConnectionState = 'idle';

export function getConnectionState(): ConnectionState {
  return current;
}

export function subscribeConnectionState(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setConnectionState(next: ConnectionState): void {
  if (next === current) return;
  current = next;
  for (const listener of [...listeners]) listener();
}

/** Called after every successful (re)connection: the place to refetch what may have been missed. */
export function onConnected(listener: Listener): () => void {
  connectedListeners.add(listener);
  return () => connectedListeners.delete(listener);
}

export function notifyConnected(): void {
  setConnectionState('connected');
  for (const listener of [...connectedListeners]) listener();
}

/** Subscriptions register how to restart themselves once automatic retries gave up. */
export function registerRestart(handler: Listener): () => void {
  restartHandlers.add(handler);
  return () => restartHandlers.delete(handler);
}

export function reconnectNow(): void {
  if (current === 'connected' || current === 'connecting') return;
  setConnectionState('connecting');
  for (const handler of [...restartHandlers]) handler();
}
