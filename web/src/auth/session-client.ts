import { createSessionClient, type SessionClient } from '../shared/apollo/create-apollo-client';
import { ME_QUERY } from './graphql/me.query';
import { endSession, getSessionState, subscribeSession } from './session-store';

let current: { token: string; client: SessionClient } | null = null;

/** The Apollo client of the current session (created on first use, disposed when the session ends). */
export function sessionClientFor(token: string): SessionClient {
  if (current?.token === token) return current.client;
  current?.client.dispose();
  const client: SessionClient = createSessionClient(token, {
    onUnauthenticated: () => endSession('expired'),
    // A refused socket usually means the session is gone; ask over HTTP (the error link then signs out).
    onSocketForbidden: () => {
      client.apollo.query({ query: ME_QUERY, fetchPolicy: 'network-only' }).catch(() => {});
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
