// TypeScript through tsx: its loader applies only in child processes, not worker threads.
export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  concurrency: 2,
  // Inactivity: no test finished for this long. Tests that spawn services wait up to
  // START_TIMEOUT_MS (test/helpers/service-process.ts) for them on a busy machine.
  timeout: '5m',
};
