import { gql, type TypedDocumentNode } from '@apollo/client';

export interface Slot {
  start: string;
  end: string;
}

export const AVAILABILITY_QUERY: TypedDocumentNode<{ availability: Slot[] }, { from: string; to: string; serviceId?: string | null }> = gql`
  query Availability($from: DateTime!, $to: DateTime!, $serviceId: ID) {
    availability(from: $from, to: $to, serviceId: $serviceId) {
      start
      end
    }
  }
`;
