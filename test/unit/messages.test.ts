import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DomainError, domainError, HTTP_STATUS } from '../../server/platform/errors.js';
import { ERRORS, errorText, type ErrorKey } from '../../server/platform/messages.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function serverFiles(dir = join(root, 'server')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return serverFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('typed domain errors and the pt-BR message catalogue', () => {
  it('builds an error from its key: stable code, catalogue text, details, and the key itself', () => {
    const error = domainError('RANGE_TOO_LONG', { days: 62 }, { field: 'to' });
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', key: 'RANGE_TOO_LONG', message: 'O intervalo máximo é de 62 dias.', details: { field: 'to' } });
    expect(domainError('SLOT_TAKEN', { calcomStatus: 409 })).toMatchObject({ code: 'CONFLICT', message: 'Este horário acabou de ser reservado. Escolha outro horário.', details: { calcomStatus: 409 } });
    expect(domainError('CALCOM_NO_ANSWER', { http: '' }).message).toBe('O Cal.com não respondeu. Tente novamente em alguns instantes.');
  });

  it('every entry maps to an HTTP status and reads as a finished pt-BR sentence (capitalised, full stop, no English)', () => {
    for (const key of Object.keys(ERRORS) as ErrorKey[]) {
      const [code] = ERRORS[key];
      expect(HTTP_STATUS[code], key).toBeGreaterThanOrEqual(400);
      const text = errorText(key, { days: 2, http: '', problems: 'Informe o nome do cliente.', statuses: 'PENDING, CONFIRMED' } as never);
      expect(text, key).toMatch(/^[A-Z`].*\.$/);
      expect(text, key).not.toMatch(/\b(?:not found|error|invalid)\b/i);
    }
  });

  it('each catalogued text is written once: no server file repeats it inline', () => {
    const catalogue = join(root, 'server/platform/messages.ts');
    const fixed = (Object.keys(ERRORS) as ErrorKey[]).map((key) => ERRORS[key][1]).filter((t): t is Extract<typeof t, string> => typeof t === 'string');
    expect(fixed).toContain('Este horário acabou de ser reservado. Escolha outro horário.');
    const repeats = serverFiles()
      .filter((file) => file !== catalogue)
      .flatMap((file) => {
        const source = readFileSync(file, 'utf8');
        return fixed.filter((text) => source.includes(text)).map((text) => `${relative(root, file)}: ${text}`);
      });
    expect(repeats).toEqual([]);
  });
});
