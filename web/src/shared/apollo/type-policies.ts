import type { FieldPolicy, TypePolicies } from '@apollo/client';

interface EdgeLike {
  node: unknown;
}
interface ConnectionLike {
  edges: EdgeLike[];
}

/**
 * Cursor connections are cached per filter; a page fetched with `after` is appended to the pages
 * already loaded, a fetch without `after` replaces them (first load, refetch after a reconnect).
 */
function cursorConnection(): FieldPolicy<ConnectionLike> {
  return {
    keyArgs: ['filter'],
    merge(existing, incoming, { args, readField }) {
      if (!existing || !args?.after) return incoming;
      const idOf = (edge: EdgeLike) => readField('id', edge.node as never);
      const seen = new Set(existing.edges.map(idOf));
      return { ...incoming, edges: [...existing.edges, ...incoming.edges.filter((edge) => !seen.has(idOf(edge)))] };
    },
  };
}

export const typePolicies: TypePolicies = {
  Query: {
    fields: {
      appointments: cursorConnection(),
      auditLog: cursorConnection(),
      simulatorTranscript: { keyArgs: ['phone'], merge: (_existing, incoming) => incoming },
      webhookDiagnostics: { keyArgs: false, merge: (_existing, incoming) => incoming },
    },
  },
  // Sessions and diagnostics have no id; the rest are normalized by `id`.
  Session: { keyFields: false },
  WebhookDiagnostic: { keyFields: false },
  CalcomConnectionTest: { keyFields: false },
  Slot: { keyFields: false },
};
