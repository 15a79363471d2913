import { gql, type TypedDocumentNode } from '@apollo/client';
import type { AttendanceWeek } from '../model/summary';

export const ATTENDANCE_SUMMARY_QUERY: TypedDocumentNode<{ attendanceSummary: AttendanceWeek[] }, { weeks: number }> = gql`
  query AttendanceSummary($weeks: Int) {
    attendanceSummary(weeks: $weeks) {
      weekStart
      from
      to
      appointments
      confirmations
      declines
      started
      attended
      noShows
      noShowRate
    }
  }
`;
