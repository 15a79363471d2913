import type { ErrorCode } from './errors.js';

/**
 * The server's one catalogue of user-facing pt-BR texts. Errors are keyed (`ErrorKey`) and carry
 * their stable `ErrorCode`, so GraphQL (`extensions.code`), REST (HTTP status) and the WhatsApp bot
 * tell one situation in one wording; the bot's own answers to calendar trouble live beside them.
 * Texts with values take them as named parameters, checked by the compiler at each `domainError`.
 */
export const ERRORS = {
  // Who may act
  SCOPE_INVALID: ['FORBIDDEN', 'Empresa inválida para esta operação.'],
  COMPANY_NOT_FOUND: ['NOT_FOUND', 'Empresa não encontrada.'],

  // Appointments
  APPOINTMENT_NOT_FOUND: ['NOT_FOUND', 'Agendamento não encontrado.'],
  APPOINTMENT_NOT_CONFIRMED: ['CONFLICT', 'Este agendamento ainda não foi confirmado no Cal.com.'],
  /** Someone else claimed the slot first (our slot index or a racing booking). */
  SLOT_TAKEN: ['CONFLICT', 'Este horário acabou de ser reservado. Escolha outro horário.'],
  SLOT_OCCUPIED: ['CONFLICT', 'Já existe outro agendamento neste horário.'],
  BOOKING_INVALID: ['BAD_USER_INPUT', (p: { problems: string }) => p.problems],
  PAGE_SIZE_INVALID: ['BAD_USER_INPUT', '`first` deve ser um inteiro não negativo.'],
  RANGE_ORDER: ['BAD_USER_INPUT', '`from` deve ser anterior a `to`.'],
  RANGE_TOO_LONG: ['BAD_USER_INPUT', (p: { days: number }) => `O intervalo máximo é de ${p.days} dias.`],
  SEARCH_TOO_LONG: ['BAD_USER_INPUT', 'A busca pode ter no máximo 200 caracteres.'],
  CURSOR_INVALID: ['BAD_USER_INPUT', 'Cursor `after` inválido.'],
  STATUS_LIST_INVALID: ['BAD_USER_INPUT', (p: { statuses: string }) => `\`status\` deve ser uma lista de ${p.statuses}.`],

  // Cal.com, in our words: Cal.com's own text stays in the logs (ARCHITECTURE §11). `http` is
  // " (HTTP 503)" when Cal.com answered, else empty.
  CALCOM_NOT_CONFIGURED: ['CALCOM_NOT_CONFIGURED', 'A agenda não está configurada: preencha a chave de API e o tipo de evento do Cal.com em Configurações.'],
  CALCOM_SLOT_UNAVAILABLE: ['CONFLICT', 'Este horário não está mais disponível no Cal.com. Escolha outro horário.'],
  CALCOM_BOOKING_GONE: ['NOT_FOUND', 'A reserva não existe mais no Cal.com.'],
  CALCOM_URL_BLOCKED: ['CALCOM_REJECTED', 'A URL do Cal.com aponta para um endereço interno ou reservado, que não é permitido: corrija-a em Configurações.'],
  CALCOM_KEY_REFUSED: ['CALCOM_REJECTED', (p: { http: string }) => `O Cal.com recusou a chave de API${p.http}: confira-a em Configurações.`],
  CALCOM_OPERATION_REFUSED: ['CALCOM_REJECTED', (p: { http: string }) => `O Cal.com recusou a operação${p.http}. Confira o tipo de evento e a configuração em Configurações.`],
  CALCOM_NO_ANSWER: ['CALCOM_UNAVAILABLE', (p: { http: string }) => `O Cal.com não respondeu${p.http}. Tente novamente em alguns instantes.`],
} as const satisfies Record<string, readonly [ErrorCode, string | ((params: never) => string)]>;

export type ErrorKey = keyof typeof ERRORS;

/** The parameters an error's text needs (none for a fixed text). */
export type ErrorParams<K extends ErrorKey> = (typeof ERRORS)[K][1] extends (params: infer P) => string ? P : undefined;

export function errorText<K extends ErrorKey>(key: K, params: ErrorParams<K>): string {
  const text = ERRORS[key][1] as string | ((params: ErrorParams<K>) => string);
  return typeof text === 'function' ? text(params) : text;
}

/** Field-level problems of a booking request, joined into BOOKING_INVALID and listed in `details.fields`. */
export const BOOKING_FIELD = {
  startInvalid: 'Data/hora inválida.',
  startPast: 'O horário escolhido já passou.',
  nameMissing: 'Informe o nome do cliente.',
  nameTooLong: 'O nome pode ter no máximo 200 caracteres.',
  phoneInvalid: 'Telefone inválido: use DDD e número, ex.: +55 11 99999-9999.',
  emailInvalid: 'E-mail inválido.',
  contactMissing: 'Informe o telefone ou o e-mail do cliente.',
  notesTooLong: 'As observações podem ter no máximo 2000 caracteres.',
} as const;

/** The WhatsApp bot's answers when the calendar fails it (the errors above, said to a client). */
export const CALENDAR_REPLIES = {
  notConfigured: 'A agenda não está configurada no momento, então não consigo marcar reuniões por aqui. Por favor, fale com a nossa equipe.',
  unavailable: 'Não consegui acessar a agenda agora. Por favor, tente novamente em alguns minutos.',
  rejected: 'Não consegui concluir o agendamento por um problema na configuração da nossa agenda. Vou pedir para a nossa equipe verificar e falar com você por aqui.',
  /** Sent right before a fresh list of options. */
  slotTaken: 'Desculpe, esse horário acabou de ser reservado por outra pessoa. Veja as novas opções:',
} as const;
