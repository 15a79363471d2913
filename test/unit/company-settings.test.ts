import { describe, expect, it } from 'vitest';
import { applySettings, companyView, urlsToGuard } from '../../server/companies/company-settings.js';
import { Company } from '../../server/companies/company.entity.js';
import { DomainError } from '../../server/platform/errors.js';

/** company-settings.ts is pure: no database, no SecretBox (a visible fake seal stands in for it). */
const seal = (plain: string) => `sealed(${plain})`;

function company(): Company {
  const c = new Company();
  c.name = 'Clínica Teste';
  return c;
}

describe('company settings (pure)', () => {
  it('guards only the tenant URLs given, not our defaults, and refuses a non-http URL', () => {
    expect(urlsToGuard({ calApiUrl: 'https://api.cal.com/', cloudApiUrl: 'https://graph.facebook.com', whaticketUrl: 'https://wa.example.com/' })).toEqual([
      { field: 'whaticketUrl', service: 'do Whaticket', url: 'https://wa.example.com' },
    ]);
    expect(urlsToGuard({ evolutionUrl: '' })).toEqual([]);
    expect(() => urlsToGuard({ calApiUrl: 'ftp://cal.example.com' })).toThrow(DomainError);
    expect(() => urlsToGuard({ whaticketUrl: 'not a url' })).toThrow(DomainError);
  });

  it('seals secrets, clears one on an empty string, and reports what changed', () => {
    const c = company();
    expect(applySettings(c, { calApiKey: ' key-1 ', whaticketToken: 'tok' }, seal).sort()).toEqual(['calApiKey', 'whaticketToken']);
    expect(c.calApiKey).toBe('sealed(key-1)');
    expect(applySettings(c, { whaticketToken: '' }, seal)).toEqual(['whaticketToken']);
    expect(c.whaticketToken).toBeNull();
    expect(applySettings(c, { name: 'Clínica Teste' }, seal)).toEqual([]);
  });

  it('a new URL drops the secret entered for the old host unless the same change brings one', () => {
    const c = company();
    applySettings(c, { calApiKey: 'old-key' }, seal);
    expect(applySettings(c, { calApiUrl: 'https://cal.example.com' }, seal)).toEqual(['calApiUrl', 'calApiKey']);
    expect(c.calApiKey).toBeNull();
    applySettings(c, { calApiUrl: 'https://other.example.com', calApiKey: 'new-key' }, seal);
    expect(c.calApiKey).toBe('sealed(new-key)');
  });

  it('refuses bad WhatsApp settings without changing the company, and a WhatsApp change clears the connection warning', () => {
    const c = company();
    expect(() => applySettings(c, { evolutionInstance: 'a/b' }, seal)).toThrow(DomainError);
    expect(() => applySettings(c, { cloudApiVersion: '23' }, seal)).toThrow(DomainError);
    expect(c.evolutionInstance).toBeNull();
    expect(c.cloudApiVersion).toBe('v23.0');
    c.whatsappConnectionError = 'Token expirado';
    c.whatsappConnectionErrorAt = new Date();
    applySettings(c, { reminderOffsetsMinutes: [60] }, seal);
    expect(c.whatsappConnectionError).toBe('Token expirado');
    applySettings(c, { cloudAccessToken: 'new-token' }, seal);
    expect(c.whatsappConnectionError).toBeNull();
    expect(c.whatsappConnectionErrorAt).toBeNull();
  });

  it('the view masks every secret it shows', () => {
    const c = company();
    const view = companyView(c, {
      cal: { apiKey: 'cal-secret-1234', webhookSecret: 'short' },
      whaticket: { token: null },
      whatsapp: {
        provider: 'CLOUD_API',
        whaticket: { url: null, token: null },
        evolution: { url: null, apiKey: 'evo-secret-9876', instance: null, apiVersion: 2 },
        cloud: { apiUrl: c.cloudApiUrl, apiVersion: c.cloudApiVersion, phoneNumberId: null, accessToken: 'EAAB-long-token-4321', appSecret: null, verifyToken: 'vt', reminderTemplate: null, templateLanguage: 'pt_BR' },
      },
    } as Parameters<typeof companyView>[1]);
    expect(view.calApiKey).toBe('****1234');
    expect(view.calWebhookSecret).toBe('****');
    expect(view.whaticketToken).toBeNull();
    expect(view.evolutionApiKey).toBe('****9876');
    expect(view.cloudAccessToken).toBe('****4321');
    expect(view.cloudVerifyToken).toBe('****');
    expect(JSON.stringify(view)).not.toContain('cal-secret');
  });
});
