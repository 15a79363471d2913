import { gql, type TypedDocumentNode } from '@apollo/client';
import type { Appointment } from '../model/appointment';
import { APPOINTMENT_FIELDS } from './appointment-fields.fragment';

export const CANCEL_APPOINTMENT_MUTATION: TypedDocumentNode<{ cancelAppointment: Appointment }, { id: string; reason: string | null }> = gql`
  mutation CancelAppointment($id: ID!, $reason: String) {
    cancelAppointment(id: $id, reason: $reason) {
      ...AppointmentFields
    }
  }
  ${APPOINTMENT_FIELDS}
`;
