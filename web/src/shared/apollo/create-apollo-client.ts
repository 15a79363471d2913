import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { createClient, type Client } from 'graphql-ws';
import { toAppError } from '../errors/app-error';
import { getConnectionState, notifyConnected, setConnectionState, setSocketReset } from './connection-status';
import { typePolicies } from './type-policies';

const GRAPHQL_PATH = '/graphql';
/** The server refuses a WebSocket with invalid credentials with 4403 (see server/platform/http/graphql-ws.ts). */
const FORBIDDEN_CLOSE = 4403;
const RETRY_ATTEMPTS = 40;
const MAX_RETRY_WAIT_MS = 10_000;
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
  let socketClient = createSocket();

  function createSocket(): Client {
    let pongTimer: ReturnType<typeof setTimeout> | undefined;
    let socket: WebSocket | undefined;
    // Events of a socket client that was replaced or disposed must not touch the shared state.
    const live = () => !disposed && socketClient === client;
    const client: Client = createClient({
      url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${GRAPHQL_PATH}`,
      connectionParams: () => ({ authorization: `Bearer ${token}` }),
      // About ten minutes of attempts (waits grow to 10 s); after that the header offers "Reconectar".
      retryAttempts: RETRY_ATTEMPTS,
      retryWait: async (retries) => {
        const base = Math.min(MAX_RETRY_WAIT_MS, 1_000 * 2 ** retries);
        await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * (base / 2)));
      },
      // Browsers report a refused connection as an `error` Event (not a CloseEvent), and graphql-ws
      // gives up on those by default: retry everything except a refused login (4403), which the
      // same token cannot fix.
      shouldRetry: (event) => !(isCloseEvent(event) && event.code === FORBIDDEN_CLOSE),
      connectionAckWaitTimeout: 15_000,
      keepAlive: PING_EVERY_MS,
      on: {
        connecting: (isRetry) => {
          if (live()) setConnectionState(isRetry || everConnected ? 'reconnecting' : 'connecting');
        },
        connected: (s) => {
          socket = s as WebSocket;
          everConnected = true;
          if (live()) notifyConnected();
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
          if (!live()) return;
          const code = isCloseEvent(event) ? event.code : 0;
          if (code === FORBIDDEN_CLOSE) {
            setConnectionState('disconnected');
            options.onSocketForbidden();
          } else if (getConnectionState() !== 'disconnected') {
            // Retries were given up on already (the subscription reported it): keep "Desconectado".
            setConnectionState(code === 1000 ? 'idle' : 'reconnecting');
          }
        },
      },
    });
    return client;
  }

  // The link always talks to the current socket client, so "Reconectar" can swap in a fresh one.
  const currentSocket: Client = {
    on: ((event, listener) => socketClient.on(event, listener)) as Client['on'],
    subscribe: (payload, sink) => socketClient.subscribe(payload, sink),
    iterate: (payload) => socketClient.iterate(payload),
    terminate: () => socketClient.terminate(),
    dispose: () => socketClient.dispose(),
  };
  const socketLink = new GraphQLWsLink(currentSocket);
  setSocketReset(() => {
    const previous = socketClient;
    socketClient = createSocket();
    void previous.dispose();
  });

  const errorLink = new ErrorLink(({ error }) => {
    if (toAppError(error).code === 'UNAUTHENTICATED') options.onUnauthenticated();
  });
  const http = new HttpLink({ uri: GRAPHQL_PATH, headers: { authorization: `Bearer ${token}` } });
  const link = ApolloLink.from([errorLink, ApolloLink.split(({ query }) => isSubscriptionOperation(query), socketLink, http)]);

  const apollo = new ApolloClient({ link, cache: new InMemoryCache({ typePolicies }) });
  setConnectionState('idle');
  return {
    apollo,
    dispose() {
      disposed = true;
      setSocketReset(null);
      apollo.stop();
      void socketClient.dispose();
      setConnectionState('idle');
    },
  };
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}
