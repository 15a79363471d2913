/**
 * Preloaded into server processes of the memory measurement (`node --expose-gc --import …`):
 * SIGUSR2 runs a full GC twice, so heap and RSS readings are not dominated by garbage.
 */
const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  setTimeout(() => gc?.(), 200);
});
