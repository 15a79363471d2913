import { gql, type TypedDocumentNode } from '@apollo/client';
import type { AppointmentConnection, AppointmentStatus } from '../model/appointment';
import { APPOINTMENT_FIELDS } from './appointment-fields.fragment';

export interface AppointmentsVariables {
  filter: { from: string; to: string; search?: string | null; status?: AppointmentStatus[] | null; serviceIds?: string[] | null; hostKeys?: string[] | null };
  first: number;
  after?: string | null;
}

export const APPOINTMENTS_QUERY: TypedDocumentNode<{ appointments: AppointmentConnection }, AppointmentsVariables> = gql`
  query Appointments($filter: AppointmentFilter, $first: Int!, $after: String) {
    appointments(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node {
          ...AppointmentFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
  ${APPOINTMENT_FIELDS}
`;
