import { gql, type TypedDocumentNode } from '@apollo/client';
import { COMPANY_FIELDS, type Company } from './company-fields.fragment';

export const COMPANY_QUERY: TypedDocumentNode<{ company: Company }, Record<string, never>> = gql`
  query Company {
    company {
      ...CompanyFields
    }
  }
  ${COMPANY_FIELDS}
`;
