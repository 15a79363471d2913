import { gql, type TypedDocumentNode } from '@apollo/client';
import type { WebhookDiagnostic } from './webhook-diagnostics.query';

export const DISCARD_WEBHOOK_DELIVERY_MUTATION: TypedDocumentNode<{ discardWebhookDelivery: WebhookDiagnostic }, { id: string }> = gql`
  mutation DiscardWebhookDelivery($id: ID!) {
    discardWebhookDelivery(id: $id) {
      id
      outcome
      reason
      attempts
    }
  }
`;
