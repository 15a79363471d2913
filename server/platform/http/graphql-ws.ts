import type { ApolloServer } from '@apollo/server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { createSourceEventStream, execute, getOperationAST, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { isAsyncIterable } from 'graphql/jsutils/isAsyncIterable.js';
import { isPromise } from 'graphql/jsutils/isPromise.js';
import type { PromiseOrValue } from 'graphql/jsutils/PromiseOrValue.js';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Credential } from '../../auth/tenant.js';
import { resolveCaller, type RequestContext } from '../context.js';
import { cleanDocument, cleanJson } from '../../shared/input-text.js';
import { formatError } from '../graphql.js';
import { extraValidationRules, operationGuard } from '../graphql-limits.js';
import type { Logger } from '../logger.js';
import type { Services } from '../../wiring/services.js';

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
  services: Services;
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
        const caller = await resolveCaller(services, orm.em.fork(), typeof authorization === 'string' ? authorization : undefined);
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

/** Distinct subscription query texts kept parsed and validated; the oldest is evicted beyond either bound. */
export const MAX_CACHED_DOCUMENTS = 500;
/** A parsed document takes ~60 bytes of heap per character of query text: this caps the cache near 16 MB. */
export const MAX_CACHED_QUERY_CHARS = 256 * 1024;
/** Longer texts (far beyond any real subscription) are parsed for each subscription instead. */
const MAX_CACHED_QUERY_LENGTH = 16 * 1024;

interface CheckedDocument {
  document: DocumentNode;
  /** Empty when the document is valid. */
  errors: readonly GraphQLError[];
}

/**
 * Parses and validates (`specifiedRules` and the HTTP rules) each distinct query text once, so
 * every subscriber sending the same text shares one document. Syntax errors throw, as graphql-ws's
 * own `parse` does, and are not cached.
 */
export function subscriptionDocuments(schema: GraphQLSchema): (query: string) => CheckedDocument {
  const rules = [...specifiedRules, ...extraValidationRules];
  const cache = new Map<string, CheckedDocument>();
  let cachedChars = 0;
  return (query) => {
    const cached = cache.get(query);
    if (cached) return cached;
    const document = cleanDocument(parse(query));
    const checked = { document, errors: validate(schema, document, rules) };
    if (query.length <= MAX_CACHED_QUERY_LENGTH) {
      // Map iteration follows insertion order: the first key is the oldest.
      while (cache.size >= MAX_CACHED_DOCUMENTS || cachedChars + query.length > MAX_CACHED_QUERY_CHARS) {
        const oldest = cache.keys().next().value!;
        cache.delete(oldest);
        cachedChars -= oldest.length;
      }
      cache.set(query, checked);
      cachedChars += query.length;
    }
    return checked;
  };
}

/**
 * graphql's `subscribe`, except that one event is executed once per (document, operation,
 * variables) and the result shared by every subscriber that sent them: an event reaches all local
 * subscribers of its company as the same object, and what a subscription selects depends only on the
 * event (no field of a change reads the caller), so 200 subscribers of one company cost one execution.
 */
async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const key = `${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
  return mapEvents(stream[Symbol.asyncIterator](), (event: unknown) => {
    if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let byDocument = sharedResults.get(event);
    if (!byDocument) sharedResults.set(event, (byDocument = new WeakMap()));
    let byKey = byDocument.get(args.document);
    if (!byKey) byDocument.set(args.document, (byKey = new Map()));
    let result = byKey.get(key);
    if (!result) byKey.set(key, (result = execute({ ...args, rootValue: event })));
    return result;
  });
}
const sharedResults = new WeakMap<object, WeakMap<DocumentNode, Map<string, PromiseOrValue<ExecutionResult>>>>();

/**
 * `source` with each event mapped to its result, with one promise per event (graphql-js's
 * `mapAsyncIterator` takes several): this runs once per event per subscriber. A mapping error ends
 * the source and is thrown to the consumer (graphql-ws sends it as the subscription's error).
 */
function mapEvents(source: AsyncIterator<unknown>, map: (event: unknown) => PromiseOrValue<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const close = async () => {
    await source.return?.().catch(() => {});
  };
  const settle = (step: IteratorResult<unknown>): PromiseOrValue<IteratorResult<ExecutionResult>> => {
    if (step.done) return { value: undefined, done: true };
    let result: PromiseOrValue<ExecutionResult>;
    try {
      result = map(step.value);
    } catch (error) {
      return close().then(() => Promise.reject(error));
    }
    return isPromise(result) ? result.then((value) => ({ value, done: false }), (error) => close().then(() => Promise.reject(error))) : { value: result, done: false };
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: () => source.next().then(settle),
    return: async () => {
      await close();
      return { value: undefined, done: true };
    },
    throw: async (error?: unknown) => {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
