import { gql, type TypedDocumentNode } from '@apollo/client';
import type { WhatsappProvider } from './company-fields.fragment';

export interface WhatsappConnectionTest {
  provider: WhatsappProvider;
  ok: boolean;
  state: string;
  message: string;
}

export const TEST_WHATSAPP_CONNECTION_MUTATION: TypedDocumentNode<{ testWhatsappConnection: WhatsappConnectionTest }, Record<string, never>> = gql`
  mutation TestWhatsappConnection {
    testWhatsappConnection {
      provider
      ok
      state
      message
    }
  }
`;
