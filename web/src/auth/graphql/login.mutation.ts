import { gql, type TypedDocumentNode } from '@apollo/client';
import type { SessionUser } from '../session-store';

export interface LoginData {
  login: { token: string; expiresAt: string; user: SessionUser };
}
export interface LoginVariables {
  email: string;
  password: string;
}

export const LOGIN_MUTATION: TypedDocumentNode<LoginData, LoginVariables> = gql`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
      expiresAt
      user {
        id
        email
        name
        role
        companyId
      }
    }
  }
`;
