import { gql, type TypedDocumentNode } from '@apollo/client';

export const LOGOUT_MUTATION: TypedDocumentNode<{ logout: boolean }, { token: string }> = gql`
  mutation Logout($token: String!) {
    logout(token: $token)
  }
`;
