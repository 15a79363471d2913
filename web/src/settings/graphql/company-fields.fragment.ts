import { gql } from '@apollo/client';

export interface Company {
  __typename?: 'Company';
  id: string;
  name: string;
  timezone: string;
  calApiUrl: string;
  calApiKey: string | null;
  calDefaultUserId: string | null;
  calEventTypeId: number | null;
  calWebhookSecret: string | null;
  whaticketUrl: string | null;
  whaticketToken: string | null;
  whaticketInboundTokenSet: boolean;
  calendarConfigured: boolean;
  webhookPath: string;
  whaticketInboundPath: string;
  /** Minutes before the start, largest first; empty = no reminders. */
  reminderOffsetsMinutes: number[];
  /** "HH:MM" in the company zone; null = no quiet hours. */
  quietHoursStart: string | null;
  quietHoursEnd: string | null;
}

export const COMPANY_FIELDS = gql`
  fragment CompanyFields on Company {
    id
    name
    timezone
    calApiUrl
    calApiKey
    calDefaultUserId
    calEventTypeId
    calWebhookSecret
    whaticketUrl
    whaticketToken
    whaticketInboundTokenSet
    calendarConfigured
    webhookPath
    whaticketInboundPath
    reminderOffsetsMinutes
    quietHoursStart
    quietHoursEnd
  }
`;
