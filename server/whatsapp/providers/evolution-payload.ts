import { WHATSAPP_DELIVERY_TEXTS } from '../../platform/messages.js';
import { isObject, parseBaileys, type IgnoreReason, type InboundText, type Json } from '../inbound-payload.js';
import type { DeliveryStatus, DeliveryStatusUpdate, ParsedDelivery } from './provider.js';

/**
 * Reads what Evolution API posts to its webhook (shared/ref/evolution-api.md §3):
 * `{"event":"messages.upsert","instance":…,"data":<Baileys WAMessage>,…}`. Pure: the route turns
 * `invalid` into a 400.
 *
 * - `messages.upsert`: the Baileys message, read like Whaticket's (fromMe, groups, status broadcast,
 *   reactions ignored; caption-less media kept for the bot to answer). A sender known only by its LID
 *   is kept as `<lid>@lid` when no phone JID rides along (`remoteJidAlt`, `senderPn`).
 * - `messages.update`: receipts of our own messages become delivery statuses.
 * - anything else (`send.message`, `connection.update`, …): ignored as `event`.
 */
export function parseEvolutionDelivery(body: unknown, now: Date = new Date()): ParsedDelivery {
  if (!isObject(body)) return invalid('o corpo deve ser um objeto JSON');
  const event = typeof body.event === 'string' ? normaliseEvent(body.event) : '';
  if (!event) return invalid('event é obrigatório (ex.: "messages.upsert")');
  const items = Array.isArray(body.data) ? body.data : [body.data];
  if (items.length === 0 || items.length > 100 || !items.every(isObject)) return invalid('data deve ser um objeto (ou uma lista de até 100 objetos)');
  const batch = { kind: 'batch' as const, messages: [] as InboundText[], statuses: [] as DeliveryStatusUpdate[], ignored: [] as IgnoreReason[] };

  if (event === 'messages.upsert') {
    for (const data of items as Json[]) {
      const parsed = parseBaileys(data, { keepLid: true });
      if (parsed.kind === 'invalid') return invalid(`data.${parsed.reason}`);
      if (parsed.kind === 'ignored') batch.ignored.push(parsed.reason);
      else batch.messages.push(parsed);
    }
    return batch;
  }
  if (event === 'messages.update') {
    for (const data of items as Json[]) {
      const status = receiptStatus(data);
      const id = receiptId(data);
      if (status && id) {
        const error = status === 'FAILED' ? { code: 'ERROR', message: WHATSAPP_DELIVERY_TEXTS.reportedUndelivered({ provider: 'Evolution API' }) } : undefined;
        batch.statuses.push({ providerMessageId: id, status, at: now, ...(error ? { error } : {}) });
      }
      else batch.ignored.push('event');
    }
    return batch;
  }
  batch.ignored.push(event === 'send.message' ? 'from_me' : 'event');
  return batch;
}

/** `MESSAGES_UPSERT` (the names of `webhook.events`) and `messages.upsert` (the body's) are one event. */
function normaliseEvent(raw: string): string {
  return raw.trim().toLowerCase().replace(/[_-]/g, '.').slice(0, 60);
}

/** Baileys receipt statuses (ref §3: ERROR, PENDING, SERVER_ACK, DELIVERY_ACK, READ, PLAYED). */
const RECEIPTS: Record<string, DeliveryStatus> = { SERVER_ACK: 'SENT', DELIVERY_ACK: 'DELIVERED', READ: 'READ', PLAYED: 'READ', ERROR: 'FAILED' };

function receiptStatus(data: Json): DeliveryStatus | undefined {
  // Only receipts of messages we sent: a contact's own messages get receipts too.
  const fromMe = data.fromMe ?? (isObject(data.key) ? data.key.fromMe : undefined);
  if (fromMe !== true) return undefined;
  const raw = isObject(data.update) ? data.update.status : data.status;
  return typeof raw === 'string' ? RECEIPTS[raw.toUpperCase()] : undefined;
}

function receiptId(data: Json): string | undefined {
  const raw = data.keyId ?? (isObject(data.key) ? data.key.id : undefined);
  return typeof raw === 'string' && raw.trim() && raw.length <= 200 ? raw.trim() : undefined;
}

function invalid(reason: string): ParsedDelivery {
  return { kind: 'invalid', reason };
}
