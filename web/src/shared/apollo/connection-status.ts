/**
 * State of the live-updates WebSocket, shown in the header and used to refetch after a reconnect
 * (events sent while we were offline are not replayed by the server).
 */

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

type Listener = () => void;

const listeners = new Set<Listener>();
const connectedListeners = new Set<Listener>();
const restartHandlers = new Set<Listener>();
let socketReset: Listener | null = null;
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

/** The session client registers how to replace a socket whose retries are exhausted. */
export function setSocketReset(reset: Listener | null): void {
  socketReset = reset;
}

/** "Reconectar": a fresh socket (fresh retry budget), then every subscription subscribes again. */
export function reconnectNow(): void {
  if (current !== 'disconnected') return;
  setConnectionState('connecting');
  socketReset?.();
  for (const handler of [...restartHandlers]) handler();
}

// Back online, or back to the tab: do not wait for a click.
window.addEventListener('online', reconnectNow);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') reconnectNow();
});
