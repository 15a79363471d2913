import { useMutation } from '@apollo/client/react';
import { MARK_ATTENDANCE_MUTATION } from '../graphql/mark-attendance.mutation';
import type { Attendance } from '../model/appointment';

export function useMarkAttendance() {
  const [mutate, { loading }] = useMutation(MARK_ATTENDANCE_MUTATION);
  const mark = async (id: string, attendance: Attendance) => {
    const { data } = await mutate({ variables: { id, attendance } });
    if (!data) throw new Error('Resposta vazia do servidor.');
    return data.markAttendance;
  };
  return { mark, marking: loading };
}
