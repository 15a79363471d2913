import { describe, expect, it } from 'vitest';
import { maskSecret } from '../../server/companies/secret-box.js';

describe(maskSecret.name, () => {
  it.each([
    ['cal_live_abcdef1234', '****1234'],
    ['minha_senha_secreta_9876', '****9876'],
    ['whaticket-token-ABCD', '****ABCD'],
    ['curto', '****'],
    ['12345678', '****'],
  ])('shows only the last 4 characters of %s', (plain, masked) => {
    expect(maskSecret(plain)).toBe(masked);
  });

  it('never shows words of the secret', () => {
    expect(maskSecret('senha_da_clinica_sorriso_2024')).not.toMatch(/senha|clinica|sorriso/);
  });

  it('is null when nothing is set', () => {
    expect(maskSecret(null)).toBeNull();
    expect(maskSecret('')).toBeNull();
  });
});
