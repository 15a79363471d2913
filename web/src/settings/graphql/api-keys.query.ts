import { gql, type TypedDocumentNode } from '@apollo/client';

export type ApiKeyScope = 'READ' | 'WRITE';

export interface ApiKey {
  __typename?: 'ApiKey';
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export const API_KEY_FIELDS = gql`
  fragment ApiKeyFields on ApiKey {
    id
    name
    scope
    prefix
    createdAt
    lastUsedAt
  }
`;

export const API_KEYS_QUERY: TypedDocumentNode<{ apiKeys: ApiKey[] }, Record<string, never>> = gql`
  query ApiKeys {
    apiKeys {
      ...ApiKeyFields
    }
  }
  ${API_KEY_FIELDS}
`;
