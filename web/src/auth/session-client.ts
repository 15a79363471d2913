import { createSessionClient, type SessionClient } from '../shared/apollo/create-apollo-client';
import { toAppError } from '../shared/errors/app-error';
import { ME_QUERY } from './graphql/me.query';
import { endSession, getSessionState, subscribeSession } from './session-store';

const SESSION_CHECK_ATTEMPTS = 5;
const SESSION_CHECK_RETRY_MS = 3_000;

let current: { token: string; client: SessionClient; leaving: boolean } | null = null;

/**
 * The admin is signing out of this session: between the logout mutation and the local sign-out the
 * server closes the socket (4403) and may refuse a request, which is expected then, not a sign that
 * the session expired (no check over HTTP, no "sessão expirou" notice).
 */
export function leaveSession(token: string): void {
  if (current?.token === token) current.leaving = true;
}

/** The Apollo client of the current session (created on first use, disposed when the session ends). */
export function sessionClientFor(token: string): SessionClient {
  if (current?.token === token) return current.client;
  current?.client.dispose();
  const client: SessionClient = createSessionClient(token, {
    onUnauthenticated: () => {
      if (!current?.leaving) endSession('expired');
    },
    // A refused or closed (4403) socket usually means the session is gone; ask over HTTP (the error
    // link then signs out). A failed check (server restarting) is tried again a few times.
    onSocketForbidden: () => {
      if (current?.client !== client || current.leaving) return;
      const check = (attempt: number) => {
        client.apollo.query({ query: ME_QUERY, fetchPolicy: 'network-only' }).catch((error: unknown) => {
          if (current?.client !== client || toAppError(error).code === 'UNAUTHENTICATED' || attempt >= SESSION_CHECK_ATTEMPTS) return;
          setTimeout(() => check(attempt + 1), SESSION_CHECK_RETRY_MS);
        });
      };
      check(1);
    },
  });
  current = { token, client, leaving: false };
  return client;
}

subscribeSession(() => {
  if (current && current.token !== getSessionState().session?.token) {
    current.client.dispose();
    current = null;
  }
});
