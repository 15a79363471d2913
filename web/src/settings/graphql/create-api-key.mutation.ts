import { gql, type TypedDocumentNode } from '@apollo/client';
import { API_KEY_FIELDS, type ApiKey, type ApiKeyScope } from './api-keys.query';

export const CREATE_API_KEY_MUTATION: TypedDocumentNode<{ createApiKey: { key: string; apiKey: ApiKey } }, { name: string; scope: ApiKeyScope }> = gql`
  mutation CreateApiKey($name: String!, $scope: ApiKeyScope!) {
    createApiKey(name: $name, scope: $scope) {
      key
      apiKey {
        ...ApiKeyFields
      }
    }
  }
  ${API_KEY_FIELDS}
`;
