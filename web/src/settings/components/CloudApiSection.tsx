import { useState, type FormEvent } from 'react';
import { CopyField } from '../../shared/components/CopyField';
import { Field } from '../../shared/components/Field';
import type { Company } from '../graphql/company-fields.fragment';
import type { CompanySettingsInput } from '../graphql/update-company-settings.mutation';
import { useSettingsForm } from '../hooks/useSettingsForm';
import { isHttpUrl } from '../model/http-url';
import { MaskedSecretInput } from './MaskedSecretInput';
import { SaveResult } from './SaveResult';

const LABELS = {
  cloudApiUrl: 'URL da Graph API',
  cloudApiVersion: 'Versão da Graph API',
  cloudPhoneNumberId: 'ID do número de telefone',
  cloudAccessToken: 'Token de acesso',
  cloudAppSecret: 'Chave secreta do app',
  cloudVerifyToken: 'Token de verificação',
  cloudReminderTemplate: 'Modelo para lembretes',
  cloudTemplateLanguage: 'Idioma do modelo',
};

type Text = 'cloudApiUrl' | 'cloudApiVersion' | 'cloudPhoneNumberId' | 'cloudReminderTemplate' | 'cloudTemplateLanguage';
type Secret = 'cloudAccessToken' | 'cloudAppSecret' | 'cloudVerifyToken';

/**
 * WhatsApp Cloud API (Meta) settings and the webhook to configure in the Meta app; saving makes the
 * Cloud API the company's provider. (Delivery through the Graph API: issue 19b's adapter.)
 */
export function CloudApiSection({ company }: { company: Company }) {
  const { errors, result, saving, save, dismiss } = useSettingsForm(LABELS);
  const initial = (c: Company): Record<Text, string> => ({
    cloudApiUrl: c.cloudApiUrl,
    cloudApiVersion: c.cloudApiVersion,
    cloudPhoneNumberId: c.cloudPhoneNumberId ?? '',
    cloudReminderTemplate: c.cloudReminderTemplate ?? '',
    cloudTemplateLanguage: c.cloudTemplateLanguage,
  });
  const [text, setText] = useState(initial(company));
  const [secrets, setSecrets] = useState<Record<Secret, string>>({ cloudAccessToken: '', cloudAppSecret: '', cloudVerifyToken: '' });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!isHttpUrl(text.cloudApiUrl)) problems.cloudApiUrl = 'Informe uma URL começando com http:// ou https://, ex.: https://graph.facebook.com';
    if (!/^v\d+\.\d+$/.test(text.cloudApiVersion.trim())) problems.cloudApiVersion = 'Escreva como nas URLs da Meta, ex.: v23.0';
    if (text.cloudPhoneNumberId.trim() && !/^\d+$/.test(text.cloudPhoneNumberId.trim())) problems.cloudPhoneNumberId = 'Use só os dígitos do identificador do número.';
    await save({
      problems,
      input: () => {
        const input: CompanySettingsInput = {};
        if (company.whatsappProvider !== 'CLOUD_API') input.whatsappProvider = 'CLOUD_API';
        const before = initial(company);
        if (text.cloudApiUrl.trim() !== before.cloudApiUrl) input.cloudApiUrl = text.cloudApiUrl.trim();
        if (text.cloudApiVersion.trim() !== before.cloudApiVersion) input.cloudApiVersion = text.cloudApiVersion.trim();
        if (text.cloudPhoneNumberId.trim() !== before.cloudPhoneNumberId) input.cloudPhoneNumberId = text.cloudPhoneNumberId.trim() || null;
        if (text.cloudReminderTemplate.trim() !== before.cloudReminderTemplate) input.cloudReminderTemplate = text.cloudReminderTemplate.trim() || null;
        if (text.cloudTemplateLanguage.trim() !== before.cloudTemplateLanguage) input.cloudTemplateLanguage = text.cloudTemplateLanguage.trim();
        for (const key of Object.keys(secrets) as Secret[]) if (secrets[key].trim()) input[key] = secrets[key].trim();
        return input;
      },
      message: 'Configurações da Cloud API salvas.',
      onSaved: (saved) => {
        setSecrets({ cloudAccessToken: '', cloudAppSecret: '', cloudVerifyToken: '' });
        setText(initial(saved));
      },
    });
  };

  const textField = (key: Text, hint: string) => (
    <Field label={LABELS[key]} error={errors[key]} hint={hint}>
      {(control) => <input {...control} name={key} className="input" value={text[key]} onChange={(event) => setText({ ...text, [key]: event.target.value })} />}
    </Field>
  );
  const secretField = (key: Secret) => (
    <MaskedSecretInput label={LABELS[key]} name={key} current={company[key]} value={secrets[key]} onChange={(value) => setSecrets({ ...secrets, [key]: value })} error={errors[key]} />
  );

  return (
    <section className="subpanel" aria-labelledby="secao-cloud">
      <h3 id="secao-cloud" className="panel__subtitle">
        WhatsApp Cloud API (Meta)
      </h3>
      <form className="form" onSubmit={submit} noValidate>
        <div className="form__grid">
          {textField('cloudPhoneNumberId', 'No WhatsApp Manager, em Números de telefone.')}
          {secretField('cloudAccessToken')}
          {secretField('cloudAppSecret')}
          {secretField('cloudVerifyToken')}
          {textField('cloudReminderTemplate', 'Nome do modelo aprovado, usado fora da janela de 24 horas (lembretes).')}
          {textField('cloudTemplateLanguage', 'Ex.: pt_BR')}
          {textField('cloudApiVersion', 'Ex.: v23.0')}
          {textField('cloudApiUrl', 'Normalmente https://graph.facebook.com')}
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving}>
            {saving ? 'Salvando…' : company.whatsappProvider === 'CLOUD_API' ? 'Salvar Cloud API' : 'Salvar e usar a Cloud API'}
          </button>
        </div>
        <SaveResult state={result} onDismiss={dismiss} />
      </form>

      <h4 className="panel__subtitle">Mensagens recebidas</h4>
      <p className="muted">
        No app da Meta, em WhatsApp → Configuração, use a URL abaixo como URL de retorno e o mesmo token de verificação salvo aqui; assine o campo
        “messages”. As entregas são conferidas pela assinatura feita com a chave secreta do app.
      </p>
      <CopyField label="URL de retorno da Cloud API" value={`${location.origin}${company.cloudInboundPath}`} />
    </section>
  );
}
