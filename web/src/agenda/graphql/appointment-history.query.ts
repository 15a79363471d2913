import { gql, type TypedDocumentNode } from '@apollo/client';

export interface AuditEntry {
  id: string;
  at: string;
  actorType: string;
  actorLabel: string;
  action: string;
  subject: string;
  /** JSON text. */
  data: string;
}

export interface AuditLogConnection {
  edges: { cursor: string; node: AuditEntry }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export const APPOINTMENT_HISTORY_QUERY: TypedDocumentNode<{ auditLog: AuditLogConnection }, { filter: { subject: string }; first: number; after?: string | null }> = gql`
  query AppointmentHistory($filter: AuditLogFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          at
          actorType
          actorLabel
          action
          subject
          data
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
`;
