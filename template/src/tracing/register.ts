/**
 * The tracing preload: `node --import ./dist/src/tracing/register.js dist/src/server.js`
 * (what `npm start` and the image run). It must run before the app is
 * imported, so the instrumentations patch pg and http before anything uses
 * them.
 *
 * With tracing off (no OTLP endpoint set, the default) it reads the
 * environment and returns: no SDK is loaded, nothing is patched. An OTEL_*
 * variable it cannot honour stops the start with one line, as a bad setting does.
 */
import { readTracingSettings, TracingSettingsError } from './settings.js';

let settings;
try {
  settings = readTracingSettings();
} catch (error) {
  if (!(error instanceof TracingSettingsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

if (settings) {
  // ES modules can only be patched through a loader hook, registered before they are
  // imported. The message channel limits it to the modules an instrumentation asked
  // for: every other import loads untouched.
  const { register } = await import('node:module');
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const { startTracing } = await import('./sdk.js');
  await startTracing(settings);
  await waitForAllMessagesAcknowledged();
}
