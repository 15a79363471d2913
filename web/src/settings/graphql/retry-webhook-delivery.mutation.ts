import { gql, type TypedDocumentNode } from '@apollo/client';
import type { WebhookDiagnostic } from './webhook-diagnostics.query';

export const RETRY_WEBHOOK_DELIVERY_MUTATION: TypedDocumentNode<{ retryWebhookDelivery: WebhookDiagnostic }, { id: string }> = gql`
  mutation RetryWebhookDelivery($id: ID!) {
    retryWebhookDelivery(id: $id) {
      id
      outcome
      reason
      attempts
    }
  }
`;
