/**
 * The signed-in admin's session, persisted in localStorage so a reload keeps the user signed in.
 * A tiny external store (read with useSyncExternalStore) because the Apollo client, the router and
 * other tabs all need to react to it, not just React components.
 */

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: string;
  companyId: string;
}

export interface Session {
  token: string;
  expiresAt: string;
  user: SessionUser;
}

export type SignOutReason = 'logout' | 'expired';

export interface SessionState {
  session: Session | null;
  /** Why the last session ended; shown on the login screen. */
  notice: string | null;
}

const STORAGE_KEY = 'secretaria.session';
const EXPIRED_NOTICE = 'Sua sessão expirou ou não é mais válida. Entre novamente para continuar.';

const listeners = new Set<() => void>();
let state: SessionState = { session: read(), notice: null };
let expiryTimer: ReturnType<typeof setTimeout> | undefined;

function read(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    if (!session?.token || !session.user || Date.parse(session.expiresAt) <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

function emit(next: SessionState): void {
  state = next;
  scheduleExpiry();
  for (const listener of listeners) listener();
}

function scheduleExpiry(): void {
  clearTimeout(expiryTimer);
  const session = state.session;
  if (!session) return;
  const ms = Date.parse(session.expiresAt) - Date.now();
  // setTimeout overflows past ~24.8 days; sessions last hours, but be safe.
  if (ms < 2 ** 31 - 1) expiryTimer = setTimeout(() => endSession('expired'), Math.max(0, ms));
}

export function getSessionState(): SessionState {
  return state;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function startSession(session: Session): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  emit({ session, notice: null });
}

export function endSession(reason: SignOutReason): void {
  if (!state.session && reason === 'expired') return;
  localStorage.removeItem(STORAGE_KEY);
  emit({ session: null, notice: reason === 'expired' ? EXPIRED_NOTICE : null });
}

export function clearNotice(): void {
  if (state.notice) emit({ ...state, notice: null });
}

// Signing in or out in another tab applies here too.
window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY) return;
  const session = read();
  if (session?.token !== state.session?.token) emit({ session, notice: null });
});

scheduleExpiry();
