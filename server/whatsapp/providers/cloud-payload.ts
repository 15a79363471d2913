import { canonicalPhone, parseWhatsappAddress } from '../../shared/phone.js';
import { CLOUD_API_TEXTS as C } from '../../platform/messages.js';
import { isObject, MAX_MESSAGE_ID_LENGTH, MAX_NAME_LENGTH, MAX_TEXT_LENGTH, text, type IgnoreReason, type InboundMedia, type InboundText, type Json } from '../inbound-payload.js';
import type { DeliveryStatus, DeliveryStatusUpdate, InboundBatch, ParsedDelivery } from './provider.js';

/**
 * Reads what Meta posts to `POST /api/whatsapp/cloud/:companyId` once the signature is checked
 * (ref whatsapp-cloud-api.md §3): `entry[].changes[].value` with `messages[]` and `statuses[]`, every
 * array iterated. Only items for the company's own phone number id count: a delivery for another
 * number (another tenant's, or a test number of the same app) is ignored, never stored here. Pure:
 * the route turns `invalid` into a 400 that stores nothing.
 */

/** Meta's status words, in the port's terms (providers/provider.ts `DeliveryStatus`). */
const STATUSES: Record<string, DeliveryStatus> = { sent: 'SENT', delivered: 'DELIVERED', read: 'READ', failed: 'FAILED' };

const MEDIA: Record<string, InboundMedia> = { audio: 'audio', voice: 'audio', image: 'image', video: 'video', document: 'document', sticker: 'sticker' };
/** Our reply buttons carry the option's number as id (cloud-outbound.ts); the engine reads the number. */
const OPTION_ID = /^[1-9]$/;

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** `phoneNumberId`: the company's number; items for any other are ignored. */
export function parseCloudWebhook(body: unknown, phoneNumberId: string): ParsedDelivery {
  if (!isObject(body)) return invalid('o corpo deve ser um objeto JSON');
  if (body.object !== 'whatsapp_business_account') return invalid('object deve ser "whatsapp_business_account"');
  if (!Array.isArray(body.entry)) return invalid('entry deve ser uma lista');
  const result: InboundBatch = { kind: 'batch', messages: [], statuses: [], ignored: [] };
  for (const entry of body.entry) {
    if (!isObject(entry)) return invalid('cada item de entry deve ser um objeto');
    for (const change of list(entry.changes)) {
      if (!isObject(change) || !isObject(change.value)) return invalid('cada item de entry[].changes deve ter value');
      if (change.field !== 'messages') {
        result.ignored.push('other_field');
        continue;
      }
      const value = change.value;
      const metadata = isObject(value.metadata) ? value.metadata : {};
      if (text(metadata.phone_number_id) !== phoneNumberId) {
        result.ignored.push('other_phone_number');
        continue;
      }
      const names = contactNames(value.contacts);
      for (const item of list(value.messages)) {
        const parsed = parseMessage(item, names);
        if (typeof parsed === 'string') result.ignored.push(parsed);
        else result.messages.push(parsed);
      }
      for (const item of list(value.statuses)) {
        const parsed = parseStatus(item);
        if (typeof parsed === 'string') result.ignored.push(parsed);
        else result.statuses.push(parsed);
      }
    }
  }
  return result;
}

function contactNames(contacts: unknown): Map<string, string> {
  const names = new Map<string, string>();
  for (const contact of list(contacts)) {
    if (!isObject(contact)) continue;
    const waId = text(contact.wa_id);
    const name = isObject(contact.profile) ? text(contact.profile.name) : undefined;
    if (waId && name) names.set(waId, name);
  }
  return names;
}

function parseMessage(item: unknown, names: Map<string, string>): InboundText | IgnoreReason {
  if (!isObject(item)) return 'unsupported';
  const id = text(item.id)?.trim();
  if (!id || id.length > MAX_MESSAGE_ID_LENGTH) return 'unsupported';
  const type = text(item.type);
  if (type === 'reaction') return 'reaction';
  if (type === 'system') return 'system';
  if (type === 'unsupported' || type === 'unknown') return 'unsupported';
  // A user known only by a business-scoped id has no `from` phone: we never guess one to answer to.
  const from = text(item.from)?.trim() ?? '';
  const address = /^\d+$/.test(from) ? parseWhatsappAddress(`${from}@s.whatsapp.net`) : undefined;
  if (address?.kind !== 'user' || !address.phone) return 'no_phone';

  const base = { kind: 'message' as const, messageId: id, phone: address.phone, contactPhone: canonicalPhone(address.phone), name: (names.get(from) ?? '').trim().slice(0, MAX_NAME_LENGTH) };
  const content = messageText(item);
  if (content) return { ...base, text: content.slice(0, MAX_TEXT_LENGTH) };
  const media = mediaOf(type);
  if (media && isObject(item[type!])) return { ...base, text: '', media };
  return 'no_text';
}

/** Text, a media caption, or the answer chosen on a reply button, list or template quick reply. */
function messageText(item: Json): string | undefined {
  const type = text(item.type);
  const candidates: Array<string | undefined> = [];
  if (type === 'text' && isObject(item.text)) candidates.push(text(item.text.body));
  if (type === 'interactive' && isObject(item.interactive)) {
    const interactive = item.interactive;
    const choice = isObject(interactive.button_reply) ? interactive.button_reply : isObject(interactive.list_reply) ? interactive.list_reply : undefined;
    if (choice) candidates.push(optionAnswer(text(choice.id), text(choice.title)));
  }
  if (type === 'button' && isObject(item.button)) candidates.push(optionAnswer(text(item.button.payload), text(item.button.text)));
  if (mediaOf(type) && isObject(item[type!])) candidates.push(text((item[type!] as Json).caption));
  return candidates.map((c) => c?.trim()).find((c) => c);
}

/** Our own option ids are the option's number ("1"), which the engine understands; anything else by its title. */
function optionAnswer(id: string | undefined, title: string | undefined): string | undefined {
  const trimmed = id?.trim();
  return trimmed && OPTION_ID.test(trimmed) ? trimmed : title ?? trimmed;
}

function parseStatus(item: unknown): DeliveryStatusUpdate | IgnoreReason {
  if (!isObject(item)) return 'status_kind';
  const id = text(item.id)?.trim();
  const word = text(item.status);
  const status = word && Object.hasOwn(STATUSES, word) ? STATUSES[word] : undefined;
  if (!id || id.length > MAX_MESSAGE_ID_LENGTH || !status) return 'status_kind';
  const seconds = Number(text(item.timestamp) ?? item.timestamp);
  const at = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date();
  const parsed: DeliveryStatusUpdate = { providerMessageId: id, status, at };
  if (status === 'FAILED') {
    const first = list(item.errors).find(isObject);
    const code = typeof first?.code === 'number' ? String(first.code) : null;
    parsed.error = { code, message: failureSummary(code) };
  }
  return parsed;
}

/** The panel's line for a message Meta reports failed (Meta's own text stays out: ARCHITECTURE §11). */
function failureSummary(code: string | null): string {
  if (code === '131047') return C.windowClosed;
  if (code === '131026') return C.undeliverable;
  return C.failedStatus({ code: code ?? '?' });
}

const mediaOf = (type: string | undefined): InboundMedia | undefined => (type && Object.hasOwn(MEDIA, type) ? MEDIA[type] : undefined);

function invalid(reason: string): ParsedDelivery {
  return { kind: 'invalid', reason };
}
