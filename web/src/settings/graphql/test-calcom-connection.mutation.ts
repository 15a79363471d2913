import { gql, type TypedDocumentNode } from '@apollo/client';

export interface CalcomConnectionTest {
  ok: boolean;
  message: string;
  slotCount: number;
}

export const TEST_CALCOM_CONNECTION_MUTATION: TypedDocumentNode<{ testCalcomConnection: CalcomConnectionTest }, Record<string, never>> = gql`
  mutation TestCalcomConnection {
    testCalcomConnection {
      ok
      message
      slotCount
    }
  }
`;
