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
      const params = {
        days: 2, http: '', problems: 'Informe o nome do cliente.', statuses: 'PENDING, CONFIRMED', minutes: 15, min: 10, max: 4096,
        email: 'ana@exemplo.com.br', id: '0b7f4a52-5d55-4f0e-9a0a-3c9d8f1e2a11', timezone: 'Mars/Olympus', field: 'calApiUrl',
        raw: 'ftp://x', service: 'do Cal.com', host: '169.254.169.254',
      };
      const text = errorText(key, params as never);
      expect(text, key).not.toContain('undefined');
      // A text about one settings input starts with that input's name (the panel places it there).
      expect(text, key).toMatch(/^(?:[A-Z`]|[a-z]+[A-Z][A-Za-z]* ).*\.$/s);
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

  it('every user-facing error comes from the catalogue: no inline `new DomainError(…)`, `badInput` or `notFound` in server code', () => {
    const allowed = ['server/platform/errors.ts', 'server/platform/messages.ts'].map((file) => join(root, file));
    const inline = /\bnew\s+DomainError\s*\(|\b(?:badInput|notFound)\s*\(/;
    const offenders = serverFiles()
      .filter((file) => !allowed.includes(file))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, index) => (inline.test(line) ? [`${relative(root, file)}:${index + 1}: ${line.trim()}`] : [])),
      );
    expect(offenders).toEqual([]);
  });
});
