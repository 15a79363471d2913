/** A webhook signing secret made in the browser (never sent anywhere but our own server). */
export function generateSecret(bytes = 32): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(data, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
