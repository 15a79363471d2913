import type { IconName } from '../../shared/components/Icon';
import type { AppointmentChangeKind, AppointmentSource, AppointmentStatus } from './appointment';

export const STATUS_LABELS: Record<AppointmentStatus, { label: string; icon: IconName }> = {
  CONFIRMED: { label: 'Confirmado', icon: 'check' },
  RESCHEDULED: { label: 'Reagendado', icon: 'repeat' },
  CANCELLED: { label: 'Cancelado', icon: 'x' },
  PENDING: { label: 'Pendente', icon: 'clock' },
};

export const SOURCE_LABELS: Record<AppointmentSource, string> = {
  WHATSAPP: 'WhatsApp',
  ADMIN: 'Painel',
  API: 'API',
  CALCOM: 'Cal.com',
};

export const CHANGE_LABELS: Record<AppointmentChangeKind, string> = {
  CREATED: 'Novo',
  UPDATED: 'Atualizado',
  RESCHEDULED: 'Reagendado',
  CANCELLED: 'Cancelado',
};

/** Audit `action`s in Portuguese; unknown actions are shown as they come. */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  'appointment.requested': 'Reserva solicitada',
  'appointment.booked': 'Agendamento criado',
  'appointment.confirmed': 'Agendamento confirmado',
  'appointment.booking_failed': 'Falha ao reservar no Cal.com',
  'appointment.cancelled': 'Agendamento cancelado',
  'appointment.rescheduled': 'Agendamento reagendado',
  'appointment.updated': 'Agendamento atualizado',
  'appointment.rejected': 'Reserva recusada',
  'appointment.requested_confirmation': 'Aguardando confirmação',
  'appointment.reminder_sent': 'Lembrete enviado',
  'appointment.attendance_marked': 'Comparecimento marcado',
  'appointment.calcom.booking_no_show_updated': 'Falta informada pelo Cal.com',
  'appointment.calcom.after_guests_cal_video_no_show': 'Cliente não entrou na chamada (Cal.com)',
  'appointment.webhook_applied': 'Atualização recebida do Cal.com',
  'bot.intent': 'Intenção detectada pelo bot',
  'bot.reply': 'Resposta do bot',
  'bot.slots_offered': 'Horários oferecidos pelo bot',
  'bot.slot_chosen': 'Horário escolhido pelo cliente',
  'company.settings_updated': 'Configurações alteradas',
  'company.inbound_token_rotated': 'Token de entrada do Whaticket renovado',
};

export function auditActionLabel(action: string): string {
  return AUDIT_ACTION_LABELS[action] ?? action;
}

export const ACTOR_TYPE_LABELS: Record<string, string> = {
  ADMIN: 'Administrador',
  API_KEY: 'Chave de API',
  WHATSAPP: 'WhatsApp',
  CALCOM: 'Cal.com',
  SYSTEM: 'Sistema',
};

export const VIA_LABELS: Record<string, string> = {
  admin: 'painel',
  api: 'API',
  webhook: 'Cal.com (webhook)',
  whatsapp: 'WhatsApp',
};
