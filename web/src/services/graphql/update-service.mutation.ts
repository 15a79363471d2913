import { gql, type TypedDocumentNode } from '@apollo/client';
import { SERVICE_FIELDS, type Service } from './services.query';

export interface UpdateServiceInput {
  name?: string;
  keywords?: string[];
  active?: boolean;
}

export const UPDATE_SERVICE_MUTATION: TypedDocumentNode<{ updateService: Service }, { id: string; input: UpdateServiceInput }> = gql`
  mutation UpdateService($id: ID!, $input: UpdateServiceInput!) {
    updateService(id: $id, input: $input) {
      ...ServiceFields
    }
  }
  ${SERVICE_FIELDS}
`;
