import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { createRequire } from 'node:module';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type ValidationContext, type ASTVisitor, Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
// The ESM build imports `graphql/index.mjs` explicitly, a second copy of graphql next to the CJS one
// that Node resolves for everything else ("from another module or realm"); the CJS build shares ours.
const complexity = createRequire(import.meta.url)('graphql-query-complexity') as typeof import('graphql-query-complexity');
import { GraphQLDateTime } from 'graphql-scalars';
import { ArgumentValidationError, buildSchema } from 'type-graphql';
import { AppointmentConnectionResolver, AppointmentResolver } from '../appointments/appointment.resolver.js';
import { AuditResolver } from '../audit/audit.resolver.js';
import { AuthResolver } from '../auth/auth.resolver.js';
import { CalcomResolver } from '../calcom/calcom.resolver.js';
import { CompanyResolver } from '../companies/company.resolver.js';
import { WhatsappResolver } from '../whatsapp/whatsapp.resolver.js';
import type { RequestContext } from './context.js';
import { DomainError, HTTP_STATUS } from './errors.js';
import type { Logger } from './logger.js';

export const MAX_DEPTH = 10;
export const MAX_COMPLEXITY = 10_000;

export const resolvers = [AuthResolver, CompanyResolver, AppointmentResolver, AppointmentConnectionResolver, AuditResolver, CalcomResolver, WhatsappResolver] as const;

export async function createSchema(emitSchemaFile?: string): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...resolvers],
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    emitSchemaFile: emitSchemaFile ? { path: emitSchemaFile, sortedSchema: true } : false,
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
    const code = formatted.extensions?.code;
    if (code && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    log.error({ err: original }, 'unexpected GraphQL error');
    return { message: 'Erro interno. Tente novamente; se persistir, contate o suporte.', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** Depth limit as a validation rule; introspection fields are exempt so tools can read the schema. */
export function depthLimit(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const depthOf = (set: SelectionSetNode | undefined, depth: number, seen: Set<string>): number => {
      if (!set) return depth;
      let deepest = depth;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if ((sel as FieldNode).name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, depthOf(sel.selectionSet, depth + 1, seen));
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(sel.selectionSet, depth, seen));
        } else {
          const name = sel.name.value;
          if (seen.has(name)) continue;
          deepest = Math.max(deepest, depthOf(fragments.get(name)?.selectionSet, depth, new Set([...seen, name])));
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, 0, new Set());
        if (depth > max) {
          context.reportError(new GraphQLError(`A consulta é profunda demais (${depth} níveis; máximo ${max}).`, { nodes: [node], extensions: { code: 'BAD_USER_INPUT' } }));
        }
      },
    };
  };
}

function selectsIntrospection(document: DocumentNode): boolean {
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const sel of def.selectionSet.selections) {
      if (sel.kind === Kind.FIELD && (sel.name.value === '__schema' || sel.name.value === '__type')) return true;
    }
  }
  return false;
}

/** Complexity limit and "introspection needs credentials". */
export function guardPlugin(schema: GraphQLSchema): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, contextValue }) {
          if (selectsIntrospection(document) && !contextValue.tenant) {
            throw new GraphQLError('A introspecção exige uma chave de API ou sessão válida.', {
              extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
            });
          }
          let cost: number;
          try {
            cost = complexity.getComplexity({
              schema,
              query: document,
              operationName: request.operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [complexity.fieldExtensionsEstimator(), complexity.simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (error) {
            // Estimating coerces the variables: a wrong type or a missing one surfaces here first.
            throw new GraphQLError(`Variáveis inválidas: ${error instanceof Error ? error.message : String(error)}`, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
          if (cost > MAX_COMPLEXITY) {
            throw new GraphQLError(`A consulta é complexa demais (${cost}; máximo ${MAX_COMPLEXITY}). Peça menos itens por página.`, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

export function createApollo(schema: GraphQLSchema, log: Logger, plugins: ApolloServerPlugin<RequestContext>[] = []): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    schema,
    introspection: true,
    // Apollo's default indents the JSON: ~30% more bytes and 4.5% of the CPU of a list request.
    stringifyResult: (value) => JSON.stringify(value),
    validationRules: [depthLimit(MAX_DEPTH)],
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
