import { gql, type TypedDocumentNode } from '@apollo/client';
import type { ChatMessage } from '../model/chat-message';

export const SIMULATOR_TRANSCRIPT_QUERY: TypedDocumentNode<{ simulatorTranscript: ChatMessage[] }, { phone: string }> = gql`
  query SimulatorTranscript($phone: String!) {
    simulatorTranscript(phone: $phone) {
      id
      direction
      body
      at
      status
    }
  }
`;
