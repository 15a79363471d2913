import { gql, type TypedDocumentNode } from '@apollo/client';
import type { AppointmentChange } from '../model/appointment';
import { APPOINTMENT_FIELDS } from './appointment-fields.fragment';

export const APPOINTMENT_CHANGED_SUBSCRIPTION: TypedDocumentNode<{ appointmentChanged: AppointmentChange }, Record<string, never>> = gql`
  subscription AppointmentChanged {
    appointmentChanged {
      kind
      appointment {
        ...AppointmentFields
      }
    }
  }
  ${APPOINTMENT_FIELDS}
`;
