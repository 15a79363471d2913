/**
 * What a GraphQL operation may ask for, checked before it runs, for HTTP and WebSocket alike: depth,
 * one `availability` per operation, and a complexity budget priced per field.
 */
import { GraphQLError, type DocumentNode, type GraphQLSchema, type ValidationContext, type ASTVisitor, Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, type GraphQLField, type OperationDefinitionNode, type ValueNode, visit } from 'graphql';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values.js';
import { createRequire } from 'node:module';
// The ESM build imports `graphql/index.mjs` explicitly, a second copy of graphql next to the CJS one
// that Node resolves for everything else ("from another module or realm"); the CJS build shares ours.
const complexity = createRequire(import.meta.url)('graphql-query-complexity') as typeof import('graphql-query-complexity');
import { selectsIntrospection } from './selection.js';

export const MAX_DEPTH = 10;
export const MAX_COMPLEXITY = 10_000;
/**
 * `availability` calls Cal.com (slots, as many pages as the range needs) on every execution: priced
 * as a tenth of the budget, and allowed once per operation (`oneOutboundField`).
 */
export const AVAILABILITY_COST = 1_000;

/**
 * At most one `availability` per operation: each alias would be its own round of outbound calls.
 * Counted by response key at the root, through fragments (the same key twice merges into one field).
 */
export function oneOutboundField(context: ValidationContext): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of context.getDocument().definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const keysIn = (set: SelectionSetNode | undefined, keys: Set<string>, seen: Set<string>): Set<string> => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value === 'availability') keys.add(sel.alias?.value ?? sel.name.value);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        keysIn(sel.selectionSet, keys, seen);
      } else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        keysIn(fragments.get(sel.name.value)?.selectionSet, keys, seen);
      }
    }
    return keys;
  };
  return {
    OperationDefinition(node) {
      if (node.operation !== 'query') return;
      const keys = keysIn(node.selectionSet, new Set(), new Set());
      if (keys.size > 1) {
        context.reportError(new GraphQLError(`Peça \`availability\` uma vez por operação (recebidas ${keys.size}).`, { nodes: [node], extensions: { code: 'BAD_USER_INPUT' } }));
      }
    },
  };
}

/** Every validation rule beyond graphql's own, for HTTP and WebSocket alike. */
export const extraValidationRules = [depthLimit(MAX_DEPTH), oneOutboundField];

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

/**
 * The only arguments a field's `complexity` function is given (see `fieldEstimator`). The cost of a
 * document then depends on nothing but the document, the operation name and the variables feeding
 * these arguments or `@skip`/`@include`, which is what `ComplexityCache` keys on.
 */
export const COMPLEXITY_ARGS: readonly string[] = ['first'];
const COSTS_PER_DOCUMENT = 64;

type Estimator = Parameters<typeof complexity.getComplexity>[0]['estimators'][number];

const page = (first: unknown, byDefault: number, max: number) => Math.max(0, Math.min(Number(first ?? byDefault), max));

/**
 * Costs of fields whose resolvers live in other domains, kept beside the limit they serve. Lists
 * cost their items times what is selected in each, so a page of 200 costs 200 times one of 1.
 */
const FIELD_COSTS: Record<string, (args: Record<string, unknown>, childComplexity: number) => number> = {
  'Query.availability': (_args, child) => AVAILABILITY_COST + child,
  'Query.auditLog': (args, child) => 1 + child * page(args.first, 50, 200),
  // Its page holds up to `first` received deliveries and as many rejected ones.
  'Query.webhookDiagnostics': (args, child) => 1 + child * 2 * page(args.first, 20, 100),
};

/** `fieldExtensionsEstimator`, except that a `complexity` function sees only COMPLEXITY_ARGS. */
const fieldEstimator: Estimator = (options) => {
  const fixed = FIELD_COSTS[`${options.type.name}.${options.field.name}`];
  if (fixed) return fixed(options.args, options.childComplexity);
  const own = options.field.extensions?.complexity as unknown;
  if (typeof own === 'number') return options.childComplexity + own;
  if (typeof own !== 'function') return undefined;
  const args: Record<string, unknown> = {};
  for (const name of COMPLEXITY_ARGS) if (name in options.args) args[name] = options.args[name];
  return (own as Estimator)({ ...options, args });
};
const defaultEstimator = complexity.simpleEstimator({ defaultComplexity: 1 });

interface DocumentFacts {
  introspection: boolean;
  /** Variables that can change the cost: used in a COMPLEXITY_ARGS argument or in `@skip`/`@include`. */
  costVariables: string[];
  /** Fields with a variable anywhere in their arguments: their argument coercion can fail per request. */
  variableFields: Set<FieldNode>;
  /** Cost by operation name + cost variables, for requests whose variables coerce like the first one's. */
  costs: Map<string, { cost: number; checked: Array<[GraphQLField<unknown, unknown>, FieldNode]> }>;
}

/**
 * Complexity per parsed document (Apollo keeps parsed documents in its LRU, so a repeated query is
 * the same object) and cost variables. A hit still coerces the request's variables and the
 * arguments the estimation evaluated; if anything fails there the full estimation runs, so errors
 * are exactly those of `getComplexity`.
 */
class ComplexityCache {
  private readonly documents = new WeakMap<DocumentNode, DocumentFacts>();

  constructor(private readonly schema: GraphQLSchema) {}

  facts(document: DocumentNode): DocumentFacts {
    let facts = this.documents.get(document);
    if (!facts) {
      facts = { introspection: selectsIntrospection(document), ...variableUse(document), costs: new Map() };
      this.documents.set(document, facts);
    }
    return facts;
  }

  /** Throws what `getComplexity` throws. */
  cost(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number {
    const facts = this.facts(document);
    const operations = document.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (operationName === undefined || d.name?.value === operationName),
    );
    const key = `${operationName ?? ''}\u0000${JSON.stringify(facts.costVariables.map((name) => (Object.hasOwn(variables, name) ? [variables[name]] : [])))}`;
    const known = operations.length === 1 ? facts.costs.get(key) : undefined;
    if (known && this.coerces(operations[0]!, known.checked, variables)) return known.cost;

    const checked: Array<[GraphQLField<unknown, unknown>, FieldNode]> = [];
    const cost = complexity.getComplexity({
      schema: this.schema,
      query: document,
      operationName,
      variables,
      estimators: [
        ({ field, node }) => {
          if (facts.variableFields.has(node)) checked.push([field, node]);
          return undefined;
        },
        fieldEstimator,
        defaultEstimator,
      ],
    });
    if (operations.length === 1) {
      if (facts.costs.size >= COSTS_PER_DOCUMENT) facts.costs.clear();
      facts.costs.set(key, { cost, checked });
    }
    return cost;
  }

  /** Whether this request's variables pass the coercions the estimation would do. */
  private coerces(operation: OperationDefinitionNode, checked: Array<[GraphQLField<unknown, unknown>, FieldNode]>, variables: Record<string, unknown>): boolean {
    const { coerced } = getVariableValues(this.schema, operation.variableDefinitions ?? [], variables);
    if (!coerced) return false;
    try {
      for (const [field, node] of checked) getArgumentValues(field, node, coerced);
      return true;
    } catch {
      return false;
    }
  }
}

function variableUse(document: DocumentNode): Pick<DocumentFacts, 'costVariables' | 'variableFields'> {
  const costVariables = new Set<string>();
  const variableFields = new Set<FieldNode>();
  const variablesIn = (value: ValueNode, into?: Set<string>) => {
    let found = false;
    visit(value, {
      Variable(node) {
        found = true;
        into?.add(node.name.value);
      },
    });
    return found;
  };
  visit(document, {
    Field(node) {
      for (const arg of node.arguments ?? []) {
        if (variablesIn(arg.value, COMPLEXITY_ARGS.includes(arg.name.value) ? costVariables : undefined)) variableFields.add(node);
      }
    },
    Directive(node) {
      if (node.name.value !== 'skip' && node.name.value !== 'include') return;
      for (const arg of node.arguments ?? []) variablesIn(arg.value, costVariables);
    },
  });
  return { costVariables: [...costVariables].sort(), variableFields };
}

/**
 * Complexity limit and "introspection needs credentials", for a validated document: the error to
 * answer with, or undefined. HTTP runs it in `guardPlugin`, WebSocket subscriptions before subscribing.
 */
export function operationGuard(schema: GraphQLSchema) {
  const costs = new ComplexityCache(schema);
  return (document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>, authenticated: boolean): GraphQLError | undefined => {
    if (costs.facts(document).introspection && !authenticated) {
      return new GraphQLError('A introspecção exige uma chave de API ou sessão válida.', {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      });
    }
    let cost: number;
    try {
      cost = costs.cost(document, operationName, variables);
    } catch (error) {
      // Estimating coerces the variables: a wrong type or a missing one surfaces here first.
      return new GraphQLError(`Variáveis inválidas: ${error instanceof Error ? error.message : String(error)}`, {
        extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
      });
    }
    if (cost > MAX_COMPLEXITY) {
      return new GraphQLError(`A consulta é complexa demais (${cost}; máximo ${MAX_COMPLEXITY}). Peça menos itens por página.`, {
        extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
      });
    }
    return undefined;
  };
}
