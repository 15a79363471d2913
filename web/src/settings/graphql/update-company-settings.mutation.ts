import { gql, type TypedDocumentNode } from '@apollo/client';
import { COMPANY_FIELDS, type Company, type WhatsappProvider } from './company-fields.fragment';

/** Omitted fields stay as they are; for secrets an empty string clears the value. */
export interface CompanySettingsInput {
  name?: string;
  timezone?: string;
  calApiUrl?: string;
  calApiKey?: string;
  calDefaultUserId?: string | null;
  calEventTypeId?: number | null;
  calWebhookSecret?: string;
  whaticketUrl?: string | null;
  whaticketToken?: string;
  whatsappProvider?: WhatsappProvider;
  evolutionUrl?: string | null;
  evolutionApiKey?: string;
  evolutionInstance?: string | null;
  evolutionApiVersion?: number;
  cloudApiUrl?: string;
  cloudApiVersion?: string;
  cloudPhoneNumberId?: string | null;
  cloudAccessToken?: string;
  cloudAppSecret?: string;
  cloudVerifyToken?: string;
  cloudReminderTemplate?: string | null;
  cloudTemplateLanguage?: string;
}

export const UPDATE_COMPANY_SETTINGS_MUTATION: TypedDocumentNode<{ updateCompanySettings: Company }, { input: CompanySettingsInput }> = gql`
  mutation UpdateCompanySettings($input: CompanySettingsInput!) {
    updateCompanySettings(input: $input) {
      ...CompanyFields
    }
  }
  ${COMPANY_FIELDS}
`;
