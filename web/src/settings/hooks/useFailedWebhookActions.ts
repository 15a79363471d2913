import { useMutation } from '@apollo/client/react';
import { DISCARD_WEBHOOK_DELIVERY_MUTATION } from '../graphql/discard-webhook-delivery.mutation';
import { RETRY_WEBHOOK_DELIVERY_MUTATION } from '../graphql/retry-webhook-delivery.mutation';
import { WEBHOOK_DIAGNOSTICS_QUERY } from '../graphql/webhook-diagnostics.query';

/** Retry or discard a failed Cal.com delivery; the diagnostics list is refetched after either. */
export function useFailedWebhookActions() {
  const refetchQueries = [{ query: WEBHOOK_DIAGNOSTICS_QUERY, variables: { first: 20 } }];
  const [retryMutation, retry] = useMutation(RETRY_WEBHOOK_DELIVERY_MUTATION, { refetchQueries });
  const [discardMutation, discard] = useMutation(DISCARD_WEBHOOK_DELIVERY_MUTATION, { refetchQueries });
  return {
    retry: async (id: string) => void (await retryMutation({ variables: { id } })),
    discard: async (id: string) => void (await discardMutation({ variables: { id } })),
    busy: retry.loading || discard.loading,
  };
}
