import type { GraphQLSchema } from 'graphql';
import { AppointmentConnectionResolver, AppointmentResolver } from '../appointments/appointment.resolver.js';
import { AppointmentRemindersResolver, AttendanceResolver } from '../appointments/attendance.resolver.js';
import { AuditResolver } from '../audit/audit.resolver.js';
import { AuthResolver } from '../auth/auth.resolver.js';
import { CalcomResolver } from '../calcom/calcom.resolver.js';
import { AppointmentServiceResolver, CompanyServicesResolver, ServiceResolver } from '../catalog/service.resolver.js';
import { CompanyResolver } from '../companies/company.resolver.js';
import { buildGraphqlSchema } from '../platform/graphql.js';
import { WhatsappResolver } from '../whatsapp/whatsapp.resolver.js';

/** Every resolver of the API; a new domain adds its own here, not in `platform/`. */
export const resolvers = [
  AuthResolver, CompanyResolver, AppointmentResolver, AppointmentConnectionResolver, AppointmentRemindersResolver, AttendanceResolver,
  AuditResolver, CalcomResolver, WhatsappResolver, ServiceResolver, CompanyServicesResolver, AppointmentServiceResolver,
] as const;

export function createSchema(): Promise<GraphQLSchema> {
  return buildGraphqlSchema(resolvers);
}
