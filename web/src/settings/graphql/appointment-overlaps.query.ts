import { gql, type TypedDocumentNode } from '@apollo/client';

export interface OverlappingAppointment {
  id: string;
  startAt: string;
  endAt: string;
  clientName: string;
  hostName: string | null;
}

export const APPOINTMENT_OVERLAPS_QUERY: TypedDocumentNode<{ appointmentOverlaps: { total: number; appointments: OverlappingAppointment[] } }, { first: number }> = gql`
  query AppointmentOverlaps($first: Int) {
    appointmentOverlaps(first: $first) {
      total
      appointments {
        id
        startAt
        endAt
        clientName
        hostName
      }
    }
  }
`;
