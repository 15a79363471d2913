import type { Attendance } from './appointment';

/** The panel's attendance words, in one place: the Agenda's buttons, its history and announcements, the Resumo. */
export const ATTENDANCE_WORDS: Record<Attendance, string> = {
  ATTENDED: 'Compareceu',
  NO_SHOW: 'Não compareceu',
  UNKNOWN: 'Sem marcação',
};

/** The same words for many appointments (the Resumo's headings and chart series). */
export const ATTENDANCE_PLURAL_WORDS: Record<Exclude<Attendance, 'UNKNOWN'>, string> = {
  ATTENDED: 'Compareceram',
  NO_SHOW: 'Não compareceram',
};

/** The word inside a sentence: "Comparecimento: não compareceu". */
export function attendanceInSentence(attendance: Attendance): string {
  const word = ATTENDANCE_WORDS[attendance];
  return word.charAt(0).toLowerCase() + word.slice(1);
}

/** Whether a value read from elsewhere (an audit entry's data) is one of the attendance states. */
export function isAttendance(value: unknown): value is Attendance {
  return typeof value === 'string' && Object.hasOwn(ATTENDANCE_WORDS, value);
}
