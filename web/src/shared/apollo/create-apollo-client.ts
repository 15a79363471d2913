import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { toAppError } from '../errors/app-error';
import { setConnectionState, notifyConnected } from './connection-status';
import { typePolicies } from './type-policies';

const GRAPHQL_PATH = '/graphql';
/** The server refuses a WebSocket with invalid credentials with 4403 (see server/platform/http.ts). */
const FORBIDDEN_CLOSE = 4403;
const PING_EVERY_MS = 20_000;
const PONG_TIMEOUT_MS = 10_000;

export interface SessionClient {
  apollo: ApolloClient;
  dispose(): void;
}

export interface SessionClientOptions {
  /** The server no longer accepts the token (expired, revoked, logged out elsewhere). */
  onUnauthenticated(): void;
  /** The WebSocket was refused; the session may be gone (checked over HTTP by the caller). */
  onSocketForbidden(): void;
}

/** Before login: only the `login` mutation is ever sent. */
export function createAnonymousClient(): ApolloClient {
  return new ApolloClient({ link: new HttpLink({ uri: GRAPHQL_PATH }), cache: new InMemoryCache({ typePolicies }) });
}

/**
 * One Apollo client per session: the token is fixed for its lifetime, so signing out (or in as someone
 * else) throws away the cache and the socket together and nothing leaks between sessions.
 */
export function createSessionClient(token: string, options: SessionClientOptions): SessionClient {
  let disposed = false;
  let everConnected = false;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let socket: WebSocket | undefined;

  const ws = createClient({
    url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${GRAPHQL_PATH}`,
    connectionParams: () => ({ authorization: `Bearer ${token}` }),
    // Keep trying for ~10 minutes (waits grow to 15 s); after that the header offers "Reconectar".
    retryAttempts: 40,
    retryWait: async (retries) => {
      const base = Math.min(15_000, 1_000 * 2 ** retries);
      await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * (base / 2)));
    },
    // Server restarts and network drops close the socket with a CloseEvent: retry those. A refused
    // login (4403) will not get better by retrying with the same token.
    shouldRetry: (event) => isCloseEvent(event) && event.code !== FORBIDDEN_CLOSE,
    connectionAckWaitTimeout: 15_000,
    keepAlive: PING_EVERY_MS,
    on: {
      connecting: (isRetry) => {
        if (!disposed) setConnectionState(isRetry || everConnected ? 'reconnecting' : 'connecting');
      },
      connected: (s) => {
        socket = s as WebSocket;
        everConnected = true;
        if (!disposed) notifyConnected();
      },
      // A half-open socket (laptop sleep, NAT timeout) never closes by itself: no pong → close → retry.
      ping: (received) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => {
          if (socket?.readyState === WebSocket.OPEN) socket.close(4408, 'Sem resposta do servidor');
        }, PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      closed: (event) => {
        clearTimeout(pongTimer);
        socket = undefined;
        if (disposed) return;
        const code = isCloseEvent(event) ? event.code : 0;
        if (code === FORBIDDEN_CLOSE) {
          setConnectionState('disconnected');
          options.onSocketForbidden();
        } else if (code === 1000) {
          // Normal closure: the last subscription ended (lazy client).
          setConnectionState('idle');
        } else {
          setConnectionState('reconnecting');
        }
      },
    },
  });

  const errorLink = new ErrorLink(({ error }) => {
    if (toAppError(error).code === 'UNAUTHENTICATED') options.onUnauthenticated();
  });
  const http = new HttpLink({ uri: GRAPHQL_PATH, headers: { authorization: `Bearer ${token}` } });
  const link = ApolloLink.from([
    errorLink,
    ApolloLink.split(({ query }) => isSubscriptionOperation(query), new GraphQLWsLink(ws), http),
  ]);

  const apollo = new ApolloClient({ link, cache: new InMemoryCache({ typePolicies }) });
  setConnectionState('idle');
  return {
    apollo,
    dispose() {
      disposed = true;
      clearTimeout(pongTimer);
      apollo.stop();
      void ws.dispose();
      setConnectionState('idle');
    },
  };
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}
