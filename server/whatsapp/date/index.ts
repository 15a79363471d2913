/** Dates as WhatsApp users write them: zone math, pt-BR words, preference parsing, slot ranking. */
export * from './zone.js';
export * from './calendar-words.js';
export { hasDatePreference, parseDatePreference, type DatePreference } from './preference.js';
export * from './slot-ranking.js';
