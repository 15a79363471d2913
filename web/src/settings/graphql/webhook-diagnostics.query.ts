import { gql, type TypedDocumentNode } from '@apollo/client';

export type WebhookOutcome = 'pending' | 'applied' | 'duplicate' | 'stale' | 'ignored' | 'failed' | 'discarded' | 'rejected';

export interface WebhookDiagnostic {
  /** Null for a rejected delivery (never stored). */
  id: string | null;
  at: string;
  trigger: string | null;
  outcome: WebhookOutcome | string;
  reason: string | null;
  bookingUid: string | null;
  attempts: number;
}

export const WEBHOOK_DIAGNOSTICS_QUERY: TypedDocumentNode<{ webhookDiagnostics: WebhookDiagnostic[] }, { first: number }> = gql`
  query WebhookDiagnostics($first: Int!) {
    webhookDiagnostics(first: $first) {
      id
      at
      trigger
      outcome
      reason
      bookingUid
      attempts
    }
  }
`;
