import type { ApolloServer } from '@apollo/server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { execute, getOperationAST, GraphQLError, parse, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { resolveCaller, type Credential, type PlatformServices, type RequestContext } from '../context.js';
import { cleanJson } from '../../shared/input-text.js';
import { formatError } from '../graphql.js';
import { operationGuard } from '../graphql-limits.js';
import { sharedSubscribe, subscriptionDocuments, type CheckedDocument } from './subscription-documents.js';
import type { Logger } from '../logger.js';

/** Subscriptions one socket may hold at once. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 100;
/**
 * Sockets one credential (a session or an API key) may hold open on one instance. An integration
 * fanning events out to its own workers may open many; the fan-out benchmark opens 100 per key.
 */
export const MAX_SOCKETS_PER_CREDENTIAL = 200;
/** The panel's client treats this code as "credentials refused" (it checks the session over HTTP). */
const CLOSE_FORBIDDEN = 4403;
const CLOSE_TOO_MANY = 4429;

/** What a WebSocket connection keeps between its subscriptions: the caller, never an EntityManager. */
type ConnectionContext = Omit<RequestContext, 'em'>;

interface Connection {
  credential: Credential;
  socket: WebSocket;
  /** Ids of its subscriptions (queries are not counted). */
  subscriptions: Set<string>;
  expiry: ReturnType<typeof setTimeout> | undefined;
}

/** Kept on graphql-ws's per-socket `extra` (beside its `socket` and `request`). */
type SocketExtra = {
  ctx?: ConnectionContext;
  connection?: Connection;
};

export interface GraphqlWsDeps {
  app: FastifyInstance;
  orm: MikroORM;
  schema: GraphQLSchema;
  services: PlatformServices;
  log: Logger;
  /** Queries and mutations sent over the socket run through this server, exactly as over HTTP. */
  apollo: ApolloServer<RequestContext>;
}

/**
 * GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's port and path.
 *
 * The credential given at connect is re-checked on every operation, and its sockets are closed
 * (4403) when it ends: at a session's expiry (a timer), and when any instance or the CLI announces
 * a logout, password change or key revocation (AuthService.onCredentialsChanged, fed by
 * PostgreSQL NOTIFY). Queries and mutations go through Apollo (the HTTP pipeline: validation,
 * complexity, error masking); subscriptions through the same validation rules and guard.
 */
export function registerGraphqlWs({ app, orm, schema, services, log, apollo }: GraphqlWsDeps): void {
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  app.server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/graphql') return socket.destroy();
    wsServer.handleUpgrade(req, socket, head, (ws) => wsServer.emit('connection', ws, req));
  });

  const connections = new LiveConnections();
  const stopWatching = services.auth.onCredentialsChanged((change) => {
    void connections.recheck(change, (credential) => services.auth.stillValid(orm.em.fork(), credential)).catch((error) =>
      log.warn({ err: error }, 'could not re-check WebSocket credentials'),
    );
  });

  const documentFor = subscriptionDocuments(schema);
  const guard = operationGuard(schema);
  const format = formatError(log);
  /** Operations handed to Apollo, with their query text. */
  const viaApollo = new WeakMap<ExecutionArgs, string>();

  const wsCleanup = useServer<Record<string, unknown>, SocketExtra>(
    {
      schema,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        const caller = await resolveCaller(services.auth, orm.em.fork(), typeof authorization === 'string' ? authorization : undefined);
        // Subscriptions require credentials: refuse the connection (4403) instead of failing later.
        if (!caller.tenant) return false;
        const credential = caller.tenant.credential;
        if (connections.count(credential) >= MAX_SOCKETS_PER_CREDENTIAL) {
          ctx.extra.socket.close(CLOSE_TOO_MANY, `Limite de ${MAX_SOCKETS_PER_CREDENTIAL} conexões por credencial`);
          return false;
        }
        ctx.extra.connection = connections.add(credential, ctx.extra.socket);
        // Only plain values live as long as the connection; the EntityManager used for the
        // authentication above is dropped here.
        ctx.extra.ctx = { ip: ctx.extra.request.socket.remoteAddress ?? '', services, ...caller };
        return true;
      },
      onClose: (ctx) => {
        if (ctx.extra.connection) connections.remove(ctx.extra.connection);
      },
      subscribe: sharedSubscribe,
      execute: (args) => {
        const query = viaApollo.get(args);
        if (query === undefined) return execute(args);
        return apollo
          .executeOperation({ query, operationName: args.operationName ?? undefined, variables: (args.variableValues ?? undefined) as Record<string, unknown> | undefined }, { contextValue: args.contextValue as RequestContext })
          .then((response) => (response.body.kind === 'single' ? response.body.singleResult : { errors: [{ message: 'Resposta incremental não suportada por WebSocket.' }] }) as ExecutionResult);
      },
      onSubscribe: async (ctx, id, payload) => {
        const connection = ctx.extra.connection!;
        let valid: boolean;
        try {
          valid = await services.auth.stillValid(orm.em.fork(), connection.credential);
        } catch (error) {
          // The database is unreachable: this operation fails, the socket and its subscriptions stay.
          log.warn({ err: error }, 'could not re-check a WebSocket credential');
          return [new GraphQLError('Serviço temporariamente indisponível. Tente novamente em instantes.', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
        }
        if (!valid) {
          // After the error below is sent: the client learns why before the socket closes.
          setImmediate(() => connections.close(connection, 'Credencial revogada ou expirada'));
          return [new GraphQLError('Sessão ou chave de API revogada ou expirada. Entre novamente.', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        // One parse and validation per distinct query text, shared by every subscriber that sends it.
        let checked: CheckedDocument | undefined;
        try {
          checked = documentFor(payload.query);
        } catch {
          // A syntax error: Apollo reports it, as over HTTP.
        }
        if (!checked || getOperationAST(checked.document, payload.operationName ?? undefined)?.operation !== 'subscription') {
          // Parsed, validated, limited and formatted by Apollo as an HTTP request would be.
          const args: ExecutionArgs = { schema, document: PLACEHOLDER_QUERY, operationName: payload.operationName, variableValues: payload.variables };
          viaApollo.set(args, payload.query);
          return args;
        }
        const { document, errors } = checked;
        if (errors.length > 0) return errors;
        const refused = guard(document, payload.operationName ?? undefined, payload.variables ?? {}, true);
        if (refused) return [refused];
        if (connection.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
          return [new GraphQLError(`Limite de ${MAX_SUBSCRIPTIONS_PER_SOCKET} assinaturas por conexão atingido; encerre uma antes de abrir outra.`, { extensions: { code: 'BAD_USER_INPUT' } })];
        }
        connection.subscriptions.add(id);
        return { schema, document, variableValues: cleanJson(payload.variables), operationName: payload.operationName };
      },
      // Every operation ends here (completed by either side, or failed), except when the socket closes.
      onComplete: (ctx, id) => {
        ctx.extra.connection?.subscriptions.delete(id);
      },
      // Apollo's results are formatted already; subscription events get the same masking.
      onNext: (_ctx, _id, _payload, args, result) => {
        if (viaApollo.has(args)) return result as FormattedExecutionResult;
        if (!result.errors?.length) return undefined;
        return { ...result, errors: result.errors.map((error) => format(error.toJSON(), error)) };
      },
      context: (ctx): RequestContext => {
        // An EntityManager is forked only if a resolver asks for one: an idle subscription never does.
        let em: EntityManager | undefined;
        return {
          ...ctx.extra.ctx!,
          get em() {
            return (em ??= orm.em.fork());
          },
        };
      },
    },
    wsServer,
  );
  app.addHook('preClose', async () => {
    stopWatching();
    for (const client of wsServer.clients) client.close(1001, 'Servidor reiniciando');
    await wsCleanup.dispose();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  });
}

/**
 * graphql-ws needs a document to tell subscriptions from the rest; queries and mutations are then run
 * by Apollo from their text, so this stands in (a query, so graphql-ws calls `execute`).
 */
const PLACEHOLDER_QUERY = parse('{ __typename }');

/** This instance's open sockets by credential, to close them when the credential ends. */
class LiveConnections {
  private readonly byCredential = new Map<string, Set<Connection>>();

  count(credential: Credential): number {
    return this.byCredential.get(credential.id)?.size ?? 0;
  }

  add(credential: Credential, socket: WebSocket): Connection {
    const connection: Connection = { credential, socket, subscriptions: new Set(), expiry: undefined };
    if (credential.kind === 'session') {
      // setTimeout overflows past ~24.8 days; sessions last hours.
      const ms = Math.min(credential.expiresAt.getTime() - Date.now(), 2 ** 31 - 1);
      connection.expiry = setTimeout(() => this.close(connection, 'Sessão expirada'), Math.max(0, ms));
      connection.expiry.unref();
    }
    let set = this.byCredential.get(credential.id);
    if (!set) this.byCredential.set(credential.id, (set = new Set()));
    set.add(connection);
    return connection;
  }

  remove(connection: Connection): void {
    clearTimeout(connection.expiry);
    const set = this.byCredential.get(connection.credential.id);
    set?.delete(connection);
    if (set?.size === 0) this.byCredential.delete(connection.credential.id);
  }

  close(connection: Connection, reason: string): void {
    this.remove(connection);
    connection.socket.close(CLOSE_FORBIDDEN, reason);
  }

  /**
   * Re-checks the credentials a change names (`session:<id>`, `user:<id>`, `apikey:<id>`; all when
   * undefined) and closes the sockets of those no longer valid.
   */
  async recheck(change: string | undefined, stillValid: (credential: Credential) => Promise<boolean>): Promise<void> {
    const [kind, id] = change?.split(':') ?? [];
    const affected: Array<Set<Connection>> = [];
    for (const set of this.byCredential.values()) {
      const credential = set.values().next().value!.credential;
      const named =
        change === undefined ||
        (kind === 'session' && credential.kind === 'session' && credential.id === id) ||
        (kind === 'user' && credential.kind === 'session' && credential.userId === id) ||
        (kind === 'apikey' && credential.kind === 'apiKey' && credential.id === id);
      if (named) affected.push(set);
    }
    await Promise.all(
      affected.map(async (set) => {
        const credential = set.values().next().value!.credential;
        if (await stillValid(credential)) return;
        for (const connection of [...set]) this.close(connection, 'Credencial revogada ou expirada');
      }),
    );
  }
}
