import { gql, type TypedDocumentNode } from '@apollo/client';
import type { WhatsappProvider } from './company-fields.fragment';

export interface WhatsappDeliveryError {
  id: string;
  phone: string;
  provider: WhatsappProvider | null;
  status: string;
  deliveryStatus: string | null;
  error: string;
  at: string;
}

export const WHATSAPP_DELIVERY_ERRORS_QUERY: TypedDocumentNode<{ whatsappDeliveryErrors: WhatsappDeliveryError[] }, { first: number }> = gql`
  query WhatsappDeliveryErrors($first: Int!) {
    whatsappDeliveryErrors(first: $first) {
      id
      phone
      provider
      status
      deliveryStatus
      error
      at
    }
  }
`;
