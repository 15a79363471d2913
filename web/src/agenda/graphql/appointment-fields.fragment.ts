import { gql } from '@apollo/client';

export const APPOINTMENT_FIELDS = gql`
  fragment AppointmentFields on Appointment {
    id
    status
    title
    startAt
    endAt
    clientName
    clientPhone
    clientEmail
    notes
    meetingUrl
    source
    calBookingUid
    cancellationReason
    clientConfirmation
    attendance
    reminders {
      offsetMinutes
      dueAt
      status
      sentAt
    }
    createdAt
    updatedAt
    hostName
    hostKey
    overlaps
    serviceId
  }
`;
