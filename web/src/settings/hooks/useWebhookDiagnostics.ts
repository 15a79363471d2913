import { skipToken, useQuery } from '@apollo/client/react';
import { toAppError } from '../../shared/errors/app-error';
import { WEBHOOK_DIAGNOSTICS_QUERY } from '../graphql/webhook-diagnostics.query';

const POLL_MS = 10_000;

/** Last webhooks received, refreshed while the Configurações tab is open. */
export function useWebhookDiagnostics(active: boolean) {
  const { data, loading, error, refetch } = useQuery(
    WEBHOOK_DIAGNOSTICS_QUERY,
    active ? { variables: { first: 20 }, pollInterval: POLL_MS, fetchPolicy: 'cache-and-network', notifyOnNetworkStatusChange: false } : skipToken,
  );
  return {
    diagnostics: data?.webhookDiagnostics ?? [],
    loading: loading && !data,
    error: error ? toAppError(error) : null,
    refetch,
  };
}
