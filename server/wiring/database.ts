import { Appointment } from '../appointments/appointment.entity.js';
import { AuditLog } from '../audit/audit-log.entity.js';
import { ApiKey } from '../auth/api-key.entity.js';
import { Session } from '../auth/session.entity.js';
import { User } from '../auth/user.entity.js';
import { WebhookDelivery } from '../calcom/webhook-delivery.entity.js';
import { Service } from '../catalog/service.entity.js';
import { Company } from '../companies/company.entity.js';
import { openOrmWith, type MikroORM } from '../platform/database.js';
import { Contact } from '../whatsapp/contact.entity.js';
import { Conversation } from '../whatsapp/conversation.entity.js';
import { InboundMessage } from '../whatsapp/inbound-message.entity.js';
import { OutboundMessage } from '../whatsapp/outbound-message.entity.js';

/** Every entity of the schema; a new domain adds its own here, not in `platform/`. */
export const entities = [
  Company, User, Session, ApiKey, Contact, Conversation, InboundMessage, OutboundMessage,
  Appointment, AuditLog, WebhookDelivery, Service,
];

/** The application's ORM: the platform's connection settings with this application's entities. */
export function openOrm(url: string, poolMax?: number): Promise<MikroORM> {
  return openOrmWith(url, entities, poolMax);
}
