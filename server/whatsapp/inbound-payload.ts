import { canonicalPhone, parseWhatsappAddress } from '../shared/phone.js';

/**
 * Reads what Whaticket posts to `POST /api/whaticket/inbound/:companyId` (ARCHITECTURE §4): the raw
 * Baileys message of a SaaS "webhook" integration, or our simple `{number, body, messageId, name}`.
 * Pure: the route turns `invalid` into a 400, `ignored` into a 200 that stores nothing.
 */

export interface InboundText {
  kind: 'message';
  messageId: string;
  /**
   * Digits as WhatsApp registered them (the number the provider answers to), or `<digits>@lid` for a
   * sender known only by its opaque LID (Evolution API): never a phone, never sent to as one.
   */
  phone: string;
  /** One key per person (Brazilian ninth digit added): the contact key. */
  contactPhone: string;
  name: string;
  text: string;
  /** Media sent without a caption (`text` is then empty): the bot asks for text instead. */
  media?: InboundMedia;
}

export type InboundMedia = 'audio' | 'image' | 'video' | 'document' | 'sticker';

/** `event`: a provider event that carries no message for the bot (connection changes, our own sends…). */
export type IgnoreReason =
  | 'from_me'
  | 'group'
  | 'broadcast'
  | 'no_phone'
  | 'no_text'
  | 'event'
  // Cloud API (providers/cloud-payload.ts): reactions, system notices, types Meta cannot show,
  // items for another phone number or webhook field, status kinds we do not keep (`played`).
  | 'reaction'
  | 'system'
  | 'unsupported'
  | 'other_phone_number'
  | 'other_field'
  | 'status_kind';

export type ParsedInbound =
  | InboundText
  | { kind: 'ignored'; reason: IgnoreReason }
  | { kind: 'invalid'; reason: string };

/** Longer messages are cut: nobody books a meeting in more than this, and it bounds storage. */
export const MAX_TEXT_LENGTH = 4_000;
export const MAX_MESSAGE_ID_LENGTH = 200;
export const MAX_NAME_LENGTH = 200;

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function parseInbound(body: unknown): ParsedInbound {
  if (!isObject(body)) return invalid('o corpo deve ser um objeto JSON');
  if ('key' in body) return parseBaileys(body);
  if ('number' in body) return parseSimple(body);
  return invalid('formato não reconhecido: envie a mensagem Baileys (key.remoteJid, key.id) ou {number, body, messageId}');
}

export interface BaileysOptions {
  /**
   * A sender known only by an opaque LID (no phone in the payload) is kept with `<lid>@lid` as its
   * address, for gateways that can answer a LID (Evolution API); otherwise ignored as `no_phone`.
   */
  keepLid?: boolean;
}

/** One Baileys `WAMessage` (`key`, `pushName`, `message`), as Whaticket and Evolution API post it. */
export function parseBaileys(body: Json, options: BaileysOptions = {}): ParsedInbound {
  const key = body.key;
  if (!isObject(key)) return invalid('key deve ser um objeto');
  const remoteJid = text(key.remoteJid)?.trim();
  if (!remoteJid) return invalid('key.remoteJid é obrigatório');
  const messageId = validMessageId(key.id);
  if (!messageId) return invalid('key.id é obrigatório (texto de até 200 caracteres)');
  if (key.fromMe === true) return { kind: 'ignored', reason: 'from_me' };

  let address = parseWhatsappAddress(remoteJid);
  // Newer WhatsApp traffic uses opaque "@lid" ids; some forks add the phone JID beside it.
  if (address.kind === 'lid') {
    const alternative = [key.remoteJidAlt, key.senderPn].map(text).find((jid) => jid?.includes('@'));
    address = alternative ? parseWhatsappAddress(alternative) : address;
    if (address.kind === 'lid') {
      if (!options.keepLid || !address.id) return { kind: 'ignored', reason: 'no_phone' };
      return lidMessage(messageId, `${address.id}@lid`, body);
    }
  }
  if (address.kind === 'group') return { kind: 'ignored', reason: 'group' };
  if (address.kind === 'broadcast') return { kind: 'ignored', reason: 'broadcast' };
  if (address.kind !== 'user' || !address.phone) return invalid(`key.remoteJid inválido: "${remoteJid.slice(0, 80)}"`);

  const content = messageText(body.message);
  if (content !== undefined) return message(messageId, address.phone, text(body.pushName), content);
  const media = messageMedia(body.message);
  if (media === undefined) return { kind: 'ignored', reason: 'no_text' };
  return { ...message(messageId, address.phone, text(body.pushName), ''), media };
}

function lidMessage(messageId: string, lid: string, body: Json): ParsedInbound {
  const content = messageText(body.message);
  const media = content === undefined ? messageMedia(body.message) : undefined;
  if (content === undefined && media === undefined) return { kind: 'ignored', reason: 'no_text' };
  // The LID is the contact key as is: it is not a phone, so no Brazilian ninth-digit variant.
  const parsed: InboundText = { ...message(messageId, lid, text(body.pushName), content ?? ''), contactPhone: lid };
  return media ? { ...parsed, media } : parsed;
}

function parseSimple(body: Json): ParsedInbound {
  const raw = body.number;
  const number = typeof raw === 'number' ? String(raw) : text(raw)?.trim();
  if (!number) return invalid('number é obrigatório');
  const messageId = validMessageId(body.messageId);
  if (!messageId) return invalid('messageId é obrigatório (texto de até 200 caracteres)');
  if (body.body !== undefined && body.body !== null && typeof body.body !== 'string') return invalid('body deve ser texto');
  if (body.fromMe === true) return { kind: 'ignored', reason: 'from_me' };

  const address = parseWhatsappAddress(number);
  if (address.kind === 'group') return { kind: 'ignored', reason: 'group' };
  if (address.kind === 'broadcast') return { kind: 'ignored', reason: 'broadcast' };
  if (address.kind === 'lid') return { kind: 'ignored', reason: 'no_phone' };
  if (address.kind !== 'user' || !address.phone) return invalid(`number inválido: "${number.slice(0, 80)}" (use DDI + DDD + número)`);

  const content = text(body.body)?.trim();
  if (!content) return { kind: 'ignored', reason: 'no_text' };
  return message(messageId, address.phone, text(body.name), content);
}

function message(messageId: string, phone: string, name: string | undefined, content: string): InboundText {
  return {
    kind: 'message',
    messageId,
    phone,
    contactPhone: canonicalPhone(phone),
    name: (name ?? '').trim().slice(0, MAX_NAME_LENGTH),
    text: content.slice(0, MAX_TEXT_LENGTH),
  };
}

function validMessageId(value: unknown): string | undefined {
  const id = text(value)?.trim();
  return id && id.length <= MAX_MESSAGE_ID_LENGTH ? id : undefined;
}

/**
 * The text of a Baileys `message`: plain, extended (links, replies), media captions and button/list
 * answers; ephemeral and view-once messages wrap another `message`.
 */
function messageText(message: unknown, depth = 0): string | undefined {
  if (!isObject(message) || depth > 3) return undefined;
  const candidates: unknown[] = [
    message.conversation,
    (message.extendedTextMessage as Json | undefined)?.text,
    (message.imageMessage as Json | undefined)?.caption,
    (message.videoMessage as Json | undefined)?.caption,
    (message.documentMessage as Json | undefined)?.caption,
    (message.buttonsResponseMessage as Json | undefined)?.selectedDisplayText,
    (message.templateButtonReplyMessage as Json | undefined)?.selectedDisplayText,
    (message.listResponseMessage as Json | undefined)?.title,
  ];
  const found = candidates.map(text).find((value) => value?.trim());
  if (found) return found.trim();
  for (const wrapper of ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'documentWithCaptionMessage']) {
    const inner = (message[wrapper] as Json | undefined)?.message;
    const nested = messageText(inner, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

const MEDIA_KEYS: Array<[string, InboundMedia]> = [
  ['audioMessage', 'audio'],
  ['pttMessage', 'audio'],
  ['imageMessage', 'image'],
  ['videoMessage', 'video'],
  ['ptvMessage', 'video'],
  ['documentMessage', 'document'],
  ['documentWithCaptionMessage', 'document'],
  ['stickerMessage', 'sticker'],
];

/** The kind of a caption-less media message; reactions and protocol messages are none. */
function messageMedia(message: unknown, depth = 0): InboundMedia | undefined {
  if (!isObject(message) || depth > 3) return undefined;
  const found = MEDIA_KEYS.find(([key]) => isObject(message[key]));
  if (found) return found[1];
  for (const wrapper of ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2']) {
    const nested = messageMedia((message[wrapper] as Json | undefined)?.message, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

function invalid(reason: string): ParsedInbound {
  return { kind: 'invalid', reason };
}
