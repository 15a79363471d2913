import type { WhatsappProvider } from '../graphql/company-fields.fragment';

/** The WhatsApp providers as the panel names them (the choice in Configurações, the delivery errors table). */
export const WHATSAPP_PROVIDERS: ReadonlyArray<{ id: WhatsappProvider; label: string; hint: string }> = [
  { id: 'WHATICKET', label: 'Whaticket', hint: 'O Whaticket da empresa envia e recebe as mensagens.' },
  { id: 'EVOLUTION', label: 'Evolution API', hint: 'Servidor Evolution API (WhatsApp via QR code).' },
  { id: 'CLOUD_API', label: 'WhatsApp Cloud API', hint: 'A API oficial da Meta, com número verificado.' },
];

export function providerLabel(id: WhatsappProvider): string {
  return WHATSAPP_PROVIDERS.find((p) => p.id === id)?.label ?? id;
}
