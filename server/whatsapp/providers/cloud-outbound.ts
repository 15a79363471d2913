import type { CloudButton } from './cloud.client.js';

/** Meta's reply-button limits (ref whatsapp-cloud-api.md §4). */
export const MAX_BUTTONS = 3;
export const MAX_BUTTON_TITLE = 20;
export const MAX_INTERACTIVE_BODY = 1024;

/** "1 para confirmar, 2 para remarcar ou 3 para cancelar": each option's number and verb. */
const OPTION = /(?<![\p{L}\p{N}/.:])([1-9])\s+para\s+(\p{L}+)/giu;

/**
 * The reply buttons a message offers, or null when it offers none that fit. A message that tells the
 * person to answer "1 para confirmar, 2 para remarcar ou 3 para cancelar" (the reminder, ARCHITECTURE
 * §9) gets one button per option: id = the option's number, so a tap reaches the engine as the same
 * "1" the person could have typed; title = the verb ("Confirmar"). The body keeps its full text, so
 * the message still reads right where buttons do not show (and the text fallback is the same text).
 */
export function replyButtons(body: string): CloudButton[] | null {
  if (body.length > MAX_INTERACTIVE_BODY) return null;
  const buttons: CloudButton[] = [];
  for (const match of body.matchAll(OPTION)) {
    const [, id, verb] = match as unknown as [string, string, string];
    if (Number(id) !== buttons.length + 1) return null;
    const title = verb.charAt(0).toLocaleUpperCase('pt-BR') + verb.slice(1).toLocaleLowerCase('pt-BR');
    if ([...title].length > MAX_BUTTON_TITLE || buttons.some((b) => b.title === title)) return null;
    buttons.push({ id, title });
  }
  return buttons.length >= 2 && buttons.length <= MAX_BUTTONS ? buttons : null;
}
