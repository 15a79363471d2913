import type { AppError } from '../../shared/errors/app-error';

/**
 * Places a settings validation error next to its input. Uses `extensions.fields` when the server sends
 * them; older messages start with the input's name ("calApiUrl não é uma URL válida…"), so map those.
 */
export function settingsFieldErrors(error: AppError, labels: Record<string, string>): Record<string, string> {
  if (error.code !== 'BAD_USER_INPUT') return {};
  const known = Object.fromEntries(Object.entries(error.fields).filter(([field]) => field in labels));
  if (Object.keys(known).length > 0) return known;
  for (const [field, label] of Object.entries(labels)) {
    if (error.message.startsWith(`${field} `)) return { [field]: `${label}${error.message.slice(field.length)}` };
  }
  return {};
}
