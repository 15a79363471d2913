import { gql, type TypedDocumentNode } from '@apollo/client';
import type { Appointment } from '../model/appointment';
import { APPOINTMENT_FIELDS } from './appointment-fields.fragment';

export interface BookAppointmentInput {
  start: string;
  clientName: string;
  clientPhone: string | null;
  clientEmail: string | null;
  notes: string | null;
  /** Absent: the default service. */
  serviceId?: string | null;
}

export const BOOK_APPOINTMENT_MUTATION: TypedDocumentNode<{ bookAppointment: Appointment }, { input: BookAppointmentInput }> = gql`
  mutation BookAppointment($input: BookAppointmentInput!) {
    bookAppointment(input: $input) {
      ...AppointmentFields
    }
  }
  ${APPOINTMENT_FIELDS}
`;
