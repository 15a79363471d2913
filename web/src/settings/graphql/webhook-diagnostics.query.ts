import { gql, type TypedDocumentNode } from '@apollo/client';

export type WebhookOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored' | 'rejected';

export interface WebhookDiagnostic {
  at: string;
  trigger: string | null;
  outcome: WebhookOutcome | string;
  reason: string | null;
  bookingUid: string | null;
}

export const WEBHOOK_DIAGNOSTICS_QUERY: TypedDocumentNode<{ webhookDiagnostics: WebhookDiagnostic[] }, { first: number }> = gql`
  query WebhookDiagnostics($first: Int!) {
    webhookDiagnostics(first: $first) {
      at
      trigger
      outcome
      reason
      bookingUid
    }
  }
`;
