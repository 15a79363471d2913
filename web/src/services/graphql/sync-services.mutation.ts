import { gql, type TypedDocumentNode } from '@apollo/client';
import { SERVICE_FIELDS, type Service } from './services.query';

export const SYNC_SERVICES_MUTATION: TypedDocumentNode<{ syncServices: Service[] }, Record<string, never>> = gql`
  mutation SyncServices {
    syncServices {
      ...ServiceFields
    }
  }
  ${SERVICE_FIELDS}
`;
