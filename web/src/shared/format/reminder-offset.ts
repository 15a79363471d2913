/** How long before the start a reminder goes: 1440 → "24 h", 90 → "1 h 30 min", 2880 → "2 dias". */
export function reminderOffsetLabel(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? '24 h' : `${minutes / 1440} dias`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (!hours) return `${rest} min`;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}
