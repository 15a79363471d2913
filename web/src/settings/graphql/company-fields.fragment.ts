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
  whatsappProvider: WhatsappProvider;
  evolutionUrl: string | null;
  evolutionApiKey: string | null;
  evolutionInstance: string | null;
  evolutionApiVersion: number;
  cloudApiUrl: string;
  cloudApiVersion: string;
  cloudPhoneNumberId: string | null;
  cloudAccessToken: string | null;
  cloudAppSecret: string | null;
  cloudVerifyToken: string | null;
  cloudReminderTemplate: string | null;
  cloudTemplateLanguage: string;
  evolutionInboundPath: string;
  cloudInboundPath: string;
  whatsappConnectionError: string | null;
  whatsappConnectionErrorAt: string | null;
}

export type WhatsappProvider = 'WHATICKET' | 'EVOLUTION' | 'CLOUD_API';

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
    whatsappProvider
    evolutionUrl
    evolutionApiKey
    evolutionInstance
    evolutionApiVersion
    cloudApiUrl
    cloudApiVersion
    cloudPhoneNumberId
    cloudAccessToken
    cloudAppSecret
    cloudVerifyToken
    cloudReminderTemplate
    cloudTemplateLanguage
    evolutionInboundPath
    cloudInboundPath
    whatsappConnectionError
    whatsappConnectionErrorAt
  }
`;
