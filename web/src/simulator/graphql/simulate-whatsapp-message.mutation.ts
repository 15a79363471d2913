import { gql, type TypedDocumentNode } from '@apollo/client';
import type { ChatMessage } from '../model/chat-message';

export const SIMULATE_WHATSAPP_MESSAGE_MUTATION: TypedDocumentNode<
  { simulateWhatsappMessage: ChatMessage },
  { phone: string; body: string; name: string | null }
> = gql`
  mutation SimulateWhatsappMessage($phone: String!, $body: String!, $name: String) {
    simulateWhatsappMessage(phone: $phone, body: $body, name: $name) {
      id
      direction
      body
      at
      status
    }
  }
`;
