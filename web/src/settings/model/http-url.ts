/** Whether `value` (trimmed) is an absolute http(s) URL, as the server accepts for tenant endpoints. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
