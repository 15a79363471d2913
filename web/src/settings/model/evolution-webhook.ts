/**
 * What the admin sends to Evolution API so that it posts messages to us (shared/ref/evolution-api.md
 * §2): v2 (≥ 2.1) takes `{"webhook": {…, "headers": {…}}}`, so the inbound token rides in the
 * Authorization header; 1.x takes a flat body without headers, so the token goes in the URL.
 */
export function evolutionWebhookBody(inboundUrl: string, token: string, apiVersion: number): string {
  if (apiVersion === 1) {
    const body = {
      url: `${inboundUrl}?token=${token}`,
      enabled: true,
      webhook_by_events: false,
      webhook_base64: false,
      events: ['MESSAGES_UPSERT', 'MESSAGES_UPDATE'],
    };
    return JSON.stringify(body, null, 2);
  }
  const body = {
    webhook: {
      enabled: true,
      url: inboundUrl,
      headers: { authorization: `Bearer ${token}` },
      byEvents: false,
      base64: false,
      events: ['MESSAGES_UPSERT', 'MESSAGES_UPDATE'],
    },
  };
  return JSON.stringify(body, null, 2);
}

/** `POST https://evo.example.com/webhook/set/clinica` (placeholders while a field is empty). */
export function evolutionWebhookCall(evolutionUrl: string | null, instance: string | null): string {
  const base = (evolutionUrl ?? '').replace(/\/+$/, '') || '{URL da Evolution API}';
  return `POST ${base}/webhook/set/${instance ? encodeURIComponent(instance) : '{instância}'}`;
}

export const TOKEN_PLACEHOLDER = '<token de entrada>';
