import { pino } from 'pino';

/** Lines gather until this many bytes, then go out in one write. */
const BUFFER_BYTES = 4096;
/** The longest a line waits in the buffer on a quiet service, so `kubectl logs` is never stale. */
export const LOG_FLUSH_INTERVAL_MS = 200;

type Destination = ReturnType<typeof pino.destination>;
let stdout: Destination | undefined;

/**
 * The process's log destination: stdout, buffered. A write system call per
 * line was the largest cost of a request after the JSON itself; lines now
 * go out 4 KB at a time, synchronously (a stalled log reader holds the
 * process back rather than growing its memory without bound), and at least
 * every LOG_FLUSH_INTERVAL_MS. Nothing is lost on the way out: the buffer
 * is written out at every exit (`process.exit`, an uncaught error, the end
 * of the event loop), and by `flushLogs()` where a line must be out at once.
 * Only SIGKILL can lose lines: those of the last interval.
 *
 * One per process, as stdout is: every logger built without a destination shares it.
 */
export function stdoutDestination(): Destination {
  if (stdout === undefined) {
    stdout = pino.destination({ dest: 1, sync: true, minLength: BUFFER_BYTES, periodicFlush: LOG_FLUSH_INTERVAL_MS });
    process.on('exit', flushLogs);
  }
  return stdout;
}

/** Writes out every buffered log line now, before returning. */
export function flushLogs(): void {
  try {
    stdout?.flushSync();
  } catch {
    // stdout is closed (EPIPE) or gone: nothing can carry the lines any more.
  }
}
