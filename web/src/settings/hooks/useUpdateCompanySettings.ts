import { useMutation } from '@apollo/client/react';
import { UPDATE_COMPANY_SETTINGS_MUTATION, type CompanySettingsInput } from '../graphql/update-company-settings.mutation';

/** The returned Company is normalized by id, so every screen (agenda time zone included) updates. */
export function useUpdateCompanySettings() {
  const [mutate, { loading }] = useMutation(UPDATE_COMPANY_SETTINGS_MUTATION);
  const update = async (input: CompanySettingsInput) => {
    const { data } = await mutate({ variables: { input } });
    if (!data) throw new Error('Resposta vazia do servidor.');
    return data.updateCompanySettings;
  };
  return { update, saving: loading };
}
