import { useQuery } from '@apollo/client/react';
import { toAppError } from '../../shared/errors/app-error';
import { WEBHOOK_DIAGNOSTICS_QUERY } from '../graphql/webhook-diagnostics.query';

const POLL_MS = 10_000;

/** Last webhooks received, refreshed while the Configurações tab is open. */
export function useWebhookDiagnostics(active: boolean) {
  const { data, loading, error, refetch } = useQuery(WEBHOOK_DIAGNOSTICS_QUERY, {
    variables: { first: 20 },
    skip: !active,
    pollInterval: active ? POLL_MS : 0,
    fetchPolicy: 'cache-and-network',
    notifyOnNetworkStatusChange: false,
  });
  return {
    diagnostics: data?.webhookDiagnostics ?? [],
    loading: loading && !data,
    error: error ? toAppError(error) : null,
    refetch,
  };
}
