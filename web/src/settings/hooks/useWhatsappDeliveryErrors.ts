import { skipToken, useQuery } from '@apollo/client/react';
import { toAppError } from '../../shared/errors/app-error';
import { WHATSAPP_DELIVERY_ERRORS_QUERY } from '../graphql/whatsapp-delivery-errors.query';

const POLL_MS = 15_000;

/** The latest replies that failed to go out, refreshed while the Configurações tab is open. */
export function useWhatsappDeliveryErrors(active: boolean) {
  const { data, loading, error, refetch } = useQuery(
    WHATSAPP_DELIVERY_ERRORS_QUERY,
    active ? { variables: { first: 5 }, pollInterval: POLL_MS, fetchPolicy: 'cache-and-network', notifyOnNetworkStatusChange: false } : skipToken,
  );
  return { errors: data?.whatsappDeliveryErrors ?? [], loading: loading && !data, error: error ? toAppError(error) : null, refetch };
}
