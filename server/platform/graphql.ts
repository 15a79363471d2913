import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { ArgumentValidationError, buildSchema, type NonEmptyArray } from 'type-graphql';
import type { RequestContext } from './context.js';
import { DateTimeScalar } from './date-time.js';
import { extraValidationRules, operationGuard } from './graphql-limits.js';
import { JitExecutor } from './jit-executor.js';
import { databaseTrouble } from './database-errors.js';
import { DomainError, HTTP_STATUS } from './errors.js';
import type { Logger } from './logger.js';

/** Builds the executable schema from the resolver classes the composition root lists. */
export async function buildGraphqlSchema(resolvers: NonEmptyArray<Function>): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    emitSchemaFile: false,
    validate: false,
    // Subscriptions use their own `subscribe` (PgEventBus, scoped per company); type-graphql still
    // insists on a pubSub, so give it one that fails loudly if anything ever relies on it.
    pubSub: {
      publish: () => {
        throw new Error('Publish through PgEventBus.notify, inside the transaction of the change.');
      },
      subscribe: () => {
        throw new Error('Subscriptions must declare `subscribe`.');
      },
    },
  });
}

/** Maps domain errors to stable `extensions.code`s; hides internals of unexpected errors. */
export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = (error as { originalError?: unknown })?.originalError ?? error;
    if (original instanceof DomainError) {
      return { ...formatted, message: original.message, extensions: { code: original.code, ...original.details } };
    }
    if (original instanceof ArgumentValidationError) {
      return { ...formatted, message: 'Entrada inválida.', extensions: { code: 'BAD_USER_INPUT' } };
    }
    const trouble = databaseTrouble(original);
    if (trouble === 'unavailable') {
      return { message: 'Banco de dados indisponível no momento. Tente novamente em alguns segundos.', path: formatted.path, extensions: { code: 'SERVICE_UNAVAILABLE' } };
    }
    if (trouble === 'bad_data') return { message: 'Valor inválido em um dos campos.', path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } };
    const code = formatted.extensions?.code;
    if (code && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    log.error({ err: original }, 'unexpected GraphQL error');
    return { message: 'Erro interno. Tente novamente; se persistir, contate o suporte.', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** `operationGuard` on every HTTP request (and every WebSocket query or mutation, which run through Apollo too). */
export function guardPlugin(schema: GraphQLSchema): ApolloServerPlugin<RequestContext> {
  const guard = operationGuard(schema);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, contextValue }) {
          const error = guard(document, request.operationName ?? undefined, request.variables ?? {}, contextValue.tenant !== undefined);
          if (error) throw error;
        },
      };
    },
  };
}

export function createApollo(schema: GraphQLSchema, log: Logger, plugins: ApolloServerPlugin<RequestContext>[] = []): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    // Repeated queries run compiled (graphql-jit); Apollo still parses and validates against `schema`.
    gateway: new JitExecutor(schema).gateway(),
    introspection: true,
    // Apollo's default indents the JSON: ~30% more bytes and 4.5% of the CPU of a list request.
    stringifyResult: (value) => JSON.stringify(value),
    validationRules: extraValidationRules,
    formatError: formatError(log),
    // No HTTP caching of GraphQL here; the default cache-control plugin would wrap every field resolver.
    plugins: [guardPlugin(schema), statusPlugin(), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), ...plugins],
    logger: log,
  });
}

/** HTTP status from the first domain error, so REST-minded clients and proxies see 401/403. */
function statusPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, errors }) {
          if (response.body.kind !== 'single' || !errors?.length) return;
          if (response.body.singleResult.data && Object.values(response.body.singleResult.data).some((v) => v !== null)) return;
          const original = errors[0]?.originalError;
          if (original instanceof DomainError && (original.code === 'UNAUTHENTICATED' || original.code === 'RATE_LIMITED')) {
            response.http.status = HTTP_STATUS[original.code];
          }
        },
      };
    },
  };
}
