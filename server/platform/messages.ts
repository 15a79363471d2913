import type { ErrorCode } from './errors.js';

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

/**
 * The server's one catalogue of user-facing pt-BR texts. Errors are keyed (`ErrorKey`) and carry
 * their stable `ErrorCode`, so GraphQL (`extensions.code`), REST (HTTP status) and the WhatsApp bot
 * tell one situation in one wording; the bot's own answers to calendar trouble live beside them.
 * Texts with values take them as named parameters, checked by the compiler at each `domainError`.
 */
export const ERRORS = {
  // Who may act
  AUTH_REQUIRED: ['UNAUTHENTICATED', 'Autenticação necessária: envie "Authorization: Bearer <token>".'],
  AUTH_HEADER_INVALID: ['UNAUTHENTICATED', 'Cabeçalho Authorization inválido: use "Bearer <token>".'],
  API_KEY_INVALID: ['UNAUTHENTICATED', 'Chave de API inválida ou revogada.'],
  SESSION_INVALID: ['UNAUTHENTICATED', 'Sessão inválida ou expirada. Entre novamente.'],
  LOGIN_FAILED: ['UNAUTHENTICATED', 'E-mail ou senha incorretos.'],
  LOGIN_RATE_LIMITED: ['RATE_LIMITED', (p: { minutes: number }) => `Muitas tentativas de login. Tente novamente em ${p.minutes} min.`],
  READ_ONLY_KEY: ['FORBIDDEN', 'Esta chave de API só tem permissão de leitura.'],
  ADMIN_ONLY: ['FORBIDDEN', 'Apenas administradores podem fazer isso.'],
  SCOPE_INVALID: ['FORBIDDEN', 'Empresa inválida para esta operação.'],

  // Admins, passwords and API keys
  PASSWORD_WRONG: ['FORBIDDEN', 'A senha atual não confere.'],
  PASSWORD_TOO_SHORT: ['BAD_USER_INPUT', (p: { min: number }) => `A senha precisa ter pelo menos ${p.min} caracteres.`],
  NEW_PASSWORD_TOO_SHORT: ['BAD_USER_INPUT', (p: { min: number }) => `A nova senha precisa ter pelo menos ${p.min} caracteres.`],
  NEW_PASSWORD_SAME: ['BAD_USER_INPUT', 'A nova senha deve ser diferente da atual.'],
  ADMIN_EMAIL_INVALID: ['BAD_USER_INPUT', (p: { email: string }) => `E-mail inválido: "${p.email}".`],
  ADMIN_EMAIL_TAKEN: ['CONFLICT', (p: { email: string }) => `Já existe um administrador com o e-mail ${p.email}.`],
  API_KEY_NAME_TOO_LONG: ['BAD_USER_INPUT', 'O nome da chave pode ter no máximo 100 caracteres.'],
  /** `id` when the operator named the key (CLI). */
  API_KEY_NOT_FOUND: ['NOT_FOUND', (p: { id?: string }) => `Chave de API ${p.id ? `${p.id} ` : ''}não encontrada (ou já revogada).`],
  API_KEY_HAS_NO_USER: ['FORBIDDEN', 'Chaves de API não têm usuário; use a consulta `caller`.'],

  // Companies and their settings. Texts about one input start with its name ("calApiUrl …"): the
  // panel places them next to that input (web/src/settings/model/settings-errors.ts).
  COMPANY_NOT_FOUND: ['NOT_FOUND', 'Empresa não encontrada.'],
  /** The operator named the company by id (CLI). */
  COMPANY_ID_NOT_FOUND: ['NOT_FOUND', (p: { id: string }) => `Empresa ${p.id} não encontrada.`],
  COMPANY_NAME_REQUIRED: ['BAD_USER_INPUT', 'O nome da empresa é obrigatório.'],
  COMPANY_NAME_LENGTH: ['BAD_USER_INPUT', 'O nome da empresa deve ter entre 1 e 200 caracteres.'],
  TIMEZONE_UNKNOWN: ['BAD_USER_INPUT', (p: { timezone: string }) => `Fuso horário desconhecido: "${p.timezone}" (use um nome IANA, ex.: America/Sao_Paulo).`],
  EVENT_TYPE_ID_INVALID: ['BAD_USER_INPUT', 'calEventTypeId deve ser um número inteiro positivo.'],
  SETTING_TOO_LONG: ['BAD_USER_INPUT', (p: { field: string }) => `${p.field} é longo demais.`],
  URL_INVALID: ['BAD_USER_INPUT', (p: { field: string; raw: string }) => `${p.field} não é uma URL válida: "${p.raw}".`],
  URL_NOT_HTTP: ['BAD_USER_INPUT', (p: { field: string }) => `${p.field} deve começar com "http://" ou "https://".`],
  /** `service` reads "do Cal.com" / "do Whaticket". */
  URL_INTERNAL: [
    'BAD_USER_INPUT',
    (p: { service: string; field: string; host: string }) =>
      `A URL ${p.service} (${p.field}) aponta para um endereço interno ou reservado (${p.host}), que não é permitido. ` +
      'Use o endereço público do serviço; se ele estiver na rede interna, o operador deve incluí-lo em OUTBOUND_ALLOWED_HOSTS.',
  ],

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

  // Attendance and the attendance summary (issue 18)
  ATTENDANCE_BEFORE_START: ['CONFLICT', 'O comparecimento só pode ser marcado depois do horário de início do agendamento.'],
  ATTENDANCE_CANCELLED: ['CONFLICT', 'Este agendamento foi cancelado: não há comparecimento para marcar.'],
  SUMMARY_WEEKS_INVALID: ['BAD_USER_INPUT', (p: { max: number }) => `\`weeks\` deve ser um inteiro entre 1 e ${p.max}.`],

  // Webhook deliveries (admin diagnostics)
  WEBHOOK_DELIVERY_NOT_FOUND: ['NOT_FOUND', 'Entrega de webhook não encontrada.'],
  WEBHOOK_DELIVERY_NOT_FAILED: ['CONFLICT', 'Só entregas que falharam podem ser reprocessadas ou descartadas.'],
  WEBHOOK_BODY_MISSING: ['CONFLICT', 'Esta entrega não guardou o corpo recebido; peça ao Cal.com para reenviá-la.'],

  // WhatsApp simulator (panel)
  SIMULATOR_TEXT_EMPTY: ['BAD_USER_INPUT', 'Digite a mensagem.'],
  SIMULATOR_TEXT_TOO_LONG: ['BAD_USER_INPUT', (p: { max: number }) => `A mensagem pode ter no máximo ${p.max} caracteres.`],
  PHONE_INVALID: ['BAD_USER_INPUT', BOOKING_FIELD.phoneInvalid],

  // Audit log
  AUDIT_SUBJECT_TOO_LONG: ['BAD_USER_INPUT', '`subject` longo demais.'],

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


/** The WhatsApp bot's answers when the calendar fails it (the errors above, said to a client). */
export const CALENDAR_REPLIES = {
  notConfigured: 'A agenda não está configurada no momento, então não consigo marcar reuniões por aqui. Por favor, fale com a nossa equipe.',
  unavailable: 'Não consegui acessar a agenda agora. Por favor, tente novamente em alguns minutos.',
  rejected: 'Não consegui concluir o agendamento por um problema na configuração da nossa agenda. Vou pedir para a nossa equipe verificar e falar com você por aqui.',
  /** Sent right before a fresh list of options. */
  slotTaken: 'Desculpe, esse horário acabou de ser reservado por outra pessoa. Veja as novas opções:',
} as const;
