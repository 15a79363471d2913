import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from './context.js';
import { databaseTrouble, RETRY_AFTER_SECONDS } from './database-errors.js';
import { cleanDocument, cleanJson } from '../shared/input-text.js';
import type { Metrics } from './metrics.js';

/**
 * GraphQL over HTTP at the boundary: the input-text rule on the document's string literals and on
 * the variables (a POST body was already cleaned by the JSON parser; a GET's variables come from the
 * query string, parsed by Apollo), and a database outage answered 503 with `Retry-After` (the error
 * itself gets the `SERVICE_UNAVAILABLE` code in `formatError`), counted.
 */
export function graphqlBoundaryPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      let unavailable = false;
      return {
        async didResolveOperation({ document, request }) {
          cleanDocument(document);
          if (request.variables) cleanJson(request.variables);
        },
        async didEncounterErrors({ errors }) {
          unavailable = errors.some((error) => databaseTrouble(error) === 'unavailable');
          if (unavailable) metrics.databaseUnavailable.inc({ route: 'graphql' });
        },
        async willSendResponse({ response }) {
          if (!unavailable) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}
