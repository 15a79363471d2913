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

  // WhatsApp providers (issue 19): the provider choice and the Evolution / Cloud API settings.
  WHATSAPP_PROVIDER_INVALID: ['BAD_USER_INPUT', (p: { raw: string }) => `whatsappProvider deve ser WHATICKET, EVOLUTION ou CLOUD_API (recebido "${p.raw}").`],
  EVOLUTION_INSTANCE_INVALID: ['BAD_USER_INPUT', 'evolutionInstance deve ser o nome da instância na Evolution API (até 100 caracteres, sem espaços, "/", "?" ou "#").'],
  EVOLUTION_API_VERSION_INVALID: ['BAD_USER_INPUT', 'evolutionApiVersion deve ser 1 ou 2.'],
  CLOUD_API_VERSION_INVALID: ['BAD_USER_INPUT', (p: { raw: string }) => `cloudApiVersion deve ser escrita como nas URLs da Meta, ex.: v23.0 (recebido "${p.raw}").`],
  CLOUD_PHONE_NUMBER_ID_INVALID: ['BAD_USER_INPUT', 'cloudPhoneNumberId deve ser o identificador numérico do número no WhatsApp Manager (só dígitos).'],
  CLOUD_TEMPLATE_INVALID: ['BAD_USER_INPUT', 'cloudReminderTemplate deve ser o nome do modelo aprovado na Meta (letras minúsculas, dígitos e "_").'],
  CLOUD_TEMPLATE_LANGUAGE_INVALID: ['BAD_USER_INPUT', (p: { raw: string }) => `cloudTemplateLanguage deve ser um código de idioma da Meta, ex.: pt_BR (recebido "${p.raw}").`],
  // Reminders (issue 18): company settings
  REMINDER_OFFSET_INVALID: [
    'BAD_USER_INPUT',
    (p: { raw: string }) => `reminderOffsetsMinutes aceita números inteiros de minutos entre 5 e 10080 (7 dias); recebido "${p.raw}".`,
  ],
  REMINDER_OFFSETS_TOO_MANY: ['BAD_USER_INPUT', (p: { max: number }) => `reminderOffsetsMinutes aceita no máximo ${p.max} lembretes por agendamento.`],
  REMINDER_OFFSET_REPEATED: ['BAD_USER_INPUT', (p: { minutes: number }) => `reminderOffsetsMinutes repete a antecedência de ${p.minutes} minutos.`],
  QUIET_HOURS_INVALID: [
    'BAD_USER_INPUT',
    (p: { field: string; raw: string }) => `${p.field} deve estar no formato HH:MM, de 00:00 a 23:59 (recebido "${p.raw}").`,
  ],
  QUIET_HOURS_HALF: ['BAD_USER_INPUT', 'quietHoursStart e quietHoursEnd vão juntos: informe os dois, ou deixe os dois vazios para desligar o horário de silêncio.'],

  // Appointments
  APPOINTMENT_NOT_FOUND: ['NOT_FOUND', 'Agendamento não encontrado.'],
  APPOINTMENT_NOT_CONFIRMED: ['CONFLICT', 'Este agendamento ainda não foi confirmado no Cal.com.'],
  /** Someone else claimed the slot first (our per-host claim index or a racing booking). */
  SLOT_TAKEN: ['CONFLICT', 'Este horário acabou de ser reservado. Escolha outro horário.'],
  SLOT_OCCUPIED: ['CONFLICT', 'Já existe outro agendamento neste horário.'],
  BOOKING_INVALID: ['BAD_USER_INPUT', (p: { problems: string }) => p.problems],
  PAGE_SIZE_INVALID: ['BAD_USER_INPUT', '`first` deve ser um inteiro não negativo.'],
  RANGE_ORDER: ['BAD_USER_INPUT', '`from` deve ser anterior a `to`.'],
  RANGE_TOO_LONG: ['BAD_USER_INPUT', (p: { days: number }) => `O intervalo máximo é de ${p.days} dias.`],
  SEARCH_TOO_LONG: ['BAD_USER_INPUT', 'A busca pode ter no máximo 200 caracteres.'],
  CURSOR_INVALID: ['BAD_USER_INPUT', 'Cursor `after` inválido.'],
  STATUS_LIST_INVALID: ['BAD_USER_INPUT', (p: { statuses: string }) => `\`status\` deve ser uma lista de ${p.statuses}.`],

  // Services (Cal.com event types, issue 17). Texts about one input start with its name.
  SERVICE_NOT_FOUND: ['NOT_FOUND', 'Serviço não encontrado. Atualize a lista em Configurações → Serviços (botão "Sincronizar com o Cal.com").'],
  SERVICE_INACTIVE: ['CONFLICT', 'Este serviço está desativado: ative-o em Configurações → Serviços ou escolha outro.'],
  SERVICE_NOT_IN_CALCOM: ['CONFLICT', 'Este tipo de evento não existe mais no Cal.com; ele não pode ser ativado.'],
  SERVICE_NAME_LENGTH: ['BAD_USER_INPUT', 'O nome do serviço deve ter entre 1 e 100 caracteres.'],
  /** Limits: MAX_KEYWORDS and MAX_KEYWORD_LENGTH in catalog/service-catalog.service.ts. */
  SERVICE_KEYWORDS_INVALID: ['BAD_USER_INPUT', 'Palavras-chave: até 20, cada uma com 1 a 60 caracteres.'],
  SERVICE_FILTER_TOO_LONG: ['BAD_USER_INPUT', '`serviceIds` aceita no máximo 50 serviços.'],
  HOST_FILTER_TOO_LONG: ['BAD_USER_INPUT', '`hostKeys` aceita no máximo 50 profissionais.'],
  SERVICES_NEED_API_KEY: ['CALCOM_NOT_CONFIGURED', 'Para importar os serviços, preencha a chave de API do Cal.com em Configurações.'],
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

/** Providers Portuguese treats as feminine ("a API"): "a Evolution API", but "o Whaticket". */
const FEMININE_PROVIDERS: ReadonlySet<string> = new Set(['Evolution API', 'WhatsApp Cloud API']);
const ARTICLES = {
  o: ['o', 'a'],
  O: ['O', 'A'],
  do: ['do', 'da'],
  no: ['no', 'na'],
  com: ['com o', 'com a'],
} as const;
/** The provider's name after its article or contraction: `the('do', 'Evolution API')` → "da Evolution API". */
function the(form: keyof typeof ARTICLES, provider: string): string {
  return `${ARTICLES[form][FEMININE_PROVIDERS.has(provider) ? 1 : 0]} ${provider}`;
}

/**
 * What the panel says about a WhatsApp delivery or connection (issue 19), per provider (`provider`
 * is its name: "Whaticket", "Evolution API", "WhatsApp Cloud API", each with its own article). The
 * provider's own error text stays in the logs and `outbound_messages.last_error` (ARCHITECTURE §11).
 * `http` is " (HTTP 401)" when the provider answered, else empty.
 */
export const WHATSAPP_DELIVERY_TEXTS = {
  whaticketNotConfigured: 'Falta configurar o Whaticket: preencha a URL e o token em Configurações.',
  notConfigured: (p: { provider: string; fields: string }) => `Falta configurar ${the('o', p.provider)}: preencha ${p.fields} em Configurações → WhatsApp.`,
  urlBlocked: (p: { provider: string }) => `A URL ${the('do', p.provider)} aponta para um endereço interno ou reservado, que não é permitido: corrija-a em Configurações.`,
  redirected: (p: { provider: string }) => `A URL ${the('do', p.provider)} redireciona para outro endereço: informe o endereço final em Configurações.`,
  credentialsRefused: (p: { provider: string; http: string }) => `${the('O', p.provider)} recusou as credenciais${p.http}: confira-as em Configurações → WhatsApp.`,
  instanceMissing: (p: { provider: string; http: string }) => `${the('O', p.provider)} não conhece esta instância${p.http}: confira o nome da instância em Configurações → WhatsApp.`,
  recipientRefused: (p: { provider: string; http: string }) => `${the('O', p.provider)} não entregou a mensagem a este contato${p.http}: o número pode não ter WhatsApp.`,
  refused: (p: { provider: string; http: string }) => `${the('O', p.provider)} recusou a mensagem${p.http}.`,
  unavailable: (p: { provider: string; http: string }) => `${the('O', p.provider)} não respondeu${p.http}; a mensagem será reenviada automaticamente.`,
  answerTooLarge: (p: { provider: string }) => `A resposta ${the('do', p.provider)} foi grande demais e foi descartada.`,
  providerUnavailable: 'Este provedor de WhatsApp não está disponível nesta instalação: escolha outro em Configurações → WhatsApp.',
  failedEarlier: 'O envio falhou; os detalhes estão nos registros do servidor.',
  reportedUndelivered: (p: { provider: string }) => `${the('O', p.provider)} informou que a mensagem não foi entregue.`,
  gaveUp: 'Desistimos após várias tentativas sem resposta do provedor de WhatsApp.',
  lidUnknown: 'O contato escreveu de um identificador do WhatsApp sem número de telefone; só o provedor que o enviou consegue respondê-lo.',
  connectionOpen: (p: { provider: string; state: string }) => `Conexão ${the('com', p.provider)} funcionando (estado: ${p.state}).`,
  connectionClosed: (p: { provider: string; state: string }) =>
    `${the('O', p.provider)} respondeu, mas o WhatsApp da instância não está conectado (estado: ${p.state}). Leia o QR code ${the('no', p.provider)} e tente de novo.`,
  licenseRequired: (p: { provider: string }) => `${the('O', p.provider)} exige a ativação da licença antes de enviar mensagens (HTTP 503): ative-a no painel ${the('do', p.provider)}.`,
  whaticketNoCheck: 'O Whaticket não tem uma chamada de teste: a URL e o token estão preenchidos, e a próxima resposta enviada mostra se funcionam.',
} as const;

/**
 * WhatsApp Cloud API (issue 19b): the webhook's answers to Meta and what the panel says about a
 * message or the connection. Meta's own error text stays in the logs and `last_error`.
 */
export const CLOUD_API_TEXTS = {
  verifyRefused: 'Verificação do webhook recusada: o token de verificação não confere com o configurado em Configurações → WhatsApp.',
  challengeInvalid: 'hub.challenge ausente ou inválido.',
  signatureInvalid: 'Assinatura X-Hub-Signature-256 ausente ou inválida: confira a chave secreta do aplicativo (App Secret) em Configurações → WhatsApp.',
  connectionOk: (p: { number: string; quality: string }) => `Conexão com a WhatsApp Cloud API funcionando: ${p.number} (qualidade: ${p.quality}).`,
  windowClosed:
    'Fora da janela de 24 horas do WhatsApp: a pessoa não escreve há mais de 24 horas, e a Meta só aceita um modelo de mensagem aprovado (erro 131047).',
  templateMissing:
    'Fora da janela de 24 horas do WhatsApp e sem modelo de lembrete configurado: informe o nome do modelo aprovado em Configurações → WhatsApp.',
  templateRefused: (p: { code: string }) =>
    `A Meta recusou o modelo de lembrete (erro ${p.code}): confira o nome, o idioma e o número de parâmetros do modelo aprovado.`,
  rateLimited: (p: { code: string }) => `Limite de envio da Meta atingido (erro ${p.code}); a mensagem será reenviada automaticamente.`,
  tokenExpired:
    'O token de acesso da WhatsApp Cloud API expirou ou foi revogado (erro 190): gere um novo token de usuário do sistema e salve-o em Configurações → WhatsApp.',
  undeliverable: 'A Meta não conseguiu entregar a mensagem (erro 131026): o número pode não ter WhatsApp ou não aceitou os termos atuais.',
  refused: (p: { code: string }) => `A Meta recusou a mensagem (erro ${p.code}).`,
  failedStatus: (p: { code: string }) => `A Meta informou que a mensagem não foi entregue (erro ${p.code}).`,
} as const;
