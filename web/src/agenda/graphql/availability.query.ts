import { gql, type TypedDocumentNode } from '@apollo/client';

export interface Slot {
  start: string;
  end: string;
}

export const AVAILABILITY_QUERY: TypedDocumentNode<{ availability: Slot[] }, { from: string; to: string }> = gql`
  query Availability($from: DateTime!, $to: DateTime!) {
    availability(from: $from, to: $to) {
      start
      end
    }
  }
`;
