import { gql, type TypedDocumentNode } from '@apollo/client';

/** Cheap "is my session still valid?" probe (used when the WebSocket is refused). */
export const ME_QUERY: TypedDocumentNode<{ me: { id: string; email: string } }, Record<string, never>> = gql`
  query Me {
    me {
      id
      email
    }
  }
`;
