import { gql, type TypedDocumentNode } from '@apollo/client';
import type { Appointment, Attendance } from '../model/appointment';
import { APPOINTMENT_FIELDS } from './appointment-fields.fragment';

export const MARK_ATTENDANCE_MUTATION: TypedDocumentNode<{ markAttendance: Appointment }, { id: string; attendance: Attendance }> = gql`
  mutation MarkAttendance($id: ID!, $attendance: Attendance!) {
    markAttendance(id: $id, attendance: $attendance) {
      ...AppointmentFields
    }
  }
  ${APPOINTMENT_FIELDS}
`;
