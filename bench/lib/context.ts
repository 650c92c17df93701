import type { BenchOptions } from './options.js';

/** What every part receives from the runner. */
export interface BenchContext {
  options: BenchOptions;
  /** Progress, on stderr: stdout carries only the table. */
  log: (message: string) => void;
}
