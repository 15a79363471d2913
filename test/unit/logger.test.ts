import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The process logger writes stdout in chunks (platform/logger.ts): what the buffer holds must still
 * come out on a quiet process, on a normal exit and on process.exit(), like pino's one-write-per-line
 * default did. Runs the built logger (`npm run build:server`) in a child process, as the server does.
 */
function runChild(script: string): Promise<{ lines: Array<{ msg: string; at: number }>; code: number | null }> {
  const source = `import { createLogger } from ${JSON.stringify(new URL('../../dist/server/platform/logger.js', import.meta.url).href)};\n${script}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = performance.now();
  const lines: Array<{ msg: string; at: number }> = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      lines.push({ msg: (JSON.parse(buffer.slice(0, end)) as { msg: string }).msg, at: performance.now() - started });
      buffer = buffer.slice(end + 1);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ lines, code })));
}

describe('process logger (stdout in chunks)', () => {
  it('writes a lone line of a quiet process within a fraction of a second, not when the buffer fills', async () => {
    // The child logs one short line, then stays alive 1.5 s before logging the second.
    const { lines } = await runChild(`const log = createLogger('info'); log.info('primeira'); setTimeout(() => log.info('segunda'), 1500);`);
    expect(lines.map((l) => l.msg)).toEqual(['primeira', 'segunda']);
    expect(lines[1]!.at - lines[0]!.at).toBeGreaterThan(900);
  });

  it('loses nothing on a normal exit or on process.exit()', async () => {
    const many = await runChild(`const log = createLogger('info'); for (let i = 0; i < 500; i++) log.info('linha ' + i);`);
    expect(many.code).toBe(0);
    expect(many.lines.map((l) => l.msg)).toEqual(Array.from({ length: 500 }, (_, i) => `linha ${i}`));
    const exited = await runChild(`const log = createLogger('info'); for (let i = 0; i < 50; i++) log.info('linha ' + i); log.error('fim'); process.exit(3);`);
    expect(exited.code).toBe(3);
    expect(exited.lines.map((l) => l.msg)).toEqual([...Array.from({ length: 50 }, (_, i) => `linha ${i}`), 'fim']);
  });
});
