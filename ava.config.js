// TypeScript through tsx: its loader applies only in child processes, not worker threads.
export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  concurrency: 2,
  // Inactivity: no test finished for this long. The end-to-end test type-checks, lints, tests and
  // builds a generated service in one test: minutes, and several times that on a busy machine.
  timeout: '20m',
};
