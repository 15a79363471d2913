import { createSessionClient, type SessionClient } from '../shared/apollo/create-apollo-client';
import { toAppError } from '../shared/errors/app-error';
import { ME_QUERY } from './graphql/me.query';
import { endSession, getSessionState, subscribeSession } from './session-store';

const SESSION_CHECK_ATTEMPTS = 5;
const SESSION_CHECK_RETRY_MS = 3_000;

let current: { token: string; client: SessionClient } | null = null;

/** The Apollo client of the current session (created on first use, disposed when the session ends). */
export function sessionClientFor(token: string): SessionClient {
  if (current?.token === token) return current.client;
  current?.client.dispose();
  const client: SessionClient = createSessionClient(token, {
    onUnauthenticated: () => endSession('expired'),
    // A refused or closed (4403) socket usually means the session is gone; ask over HTTP (the error
    // link then signs out). A failed check (server restarting) is tried again a few times.
    onSocketForbidden: () => {
      const check = (attempt: number) => {
        client.apollo.query({ query: ME_QUERY, fetchPolicy: 'network-only' }).catch((error: unknown) => {
          if (current?.client !== client || toAppError(error).code === 'UNAUTHENTICATED' || attempt >= SESSION_CHECK_ATTEMPTS) return;
          setTimeout(() => check(attempt + 1), SESSION_CHECK_RETRY_MS);
        });
      };
      check(1);
    },
  });
  current = { token, client };
  return client;
}

subscribeSession(() => {
  if (current && current.token !== getSessionState().session?.token) {
    current.client.dispose();
    current = null;
  }
});
