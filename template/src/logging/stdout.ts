import { pino, type DestinationStream } from 'pino';

/** Lines gather until about this many characters, then go out in one write. */
const BUFFER_CHARS = 16 * 1024;
/** The longest a line waits on a quiet service, so `kubectl logs` is never stale. */
export const LOG_FLUSH_INTERVAL_MS = 200;

type SonicBoom = ReturnType<typeof pino.destination>;

/**
 * Lines gathered in an array and handed to stdout joined, 16 KB at a time.
 * The writing itself stays pino's (sonic-boom: partial writes, a full pipe,
 * a closed one), but unbuffered: sonic-boom's own buffer measures its whole
 * content in bytes on every line, which cost more than the JSON of the line.
 */
class BufferedLines implements DestinationStream {
  #lines: string[] = [];
  #chars = 0;
  readonly #out: SonicBoom;

  constructor(out: SonicBoom) {
    this.#out = out;
  }

  write(line: string): void {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= BUFFER_CHARS) this.flush();
  }

  /** Hands every gathered line to stdout, written before this returns (as `logger.flush()` expects). */
  flush(callback?: (error?: Error) => void): void {
    if (this.#lines.length > 0) {
      const text = this.#lines.join('');
      this.#lines = [];
      this.#chars = 0;
      this.#out.write(text);
    }
    callback?.();
  }

  flushSync(): void {
    this.flush();
    this.#out.flushSync();
  }
}

let stdout: BufferedLines | undefined;

/**
 * The process's log destination: stdout, buffered. A write system call per
 * line was the largest cost of a request after the JSON itself; lines now
 * go out 16 KB at a time, synchronously (a stalled log reader holds the
 * process back rather than growing its memory without bound), and at least
 * every LOG_FLUSH_INTERVAL_MS. Nothing is lost on the way out: the buffer
 * is written out at every exit (`process.exit`, an uncaught error, the end
 * of the event loop), and by `flushLogs()` where a line must be out at once.
 * Only SIGKILL can lose lines: those of the last interval.
 *
 * One per process, as stdout is: every logger built without a destination shares it.
 */
export function stdoutDestination(): DestinationStream {
  if (stdout === undefined) {
    const lines = new BufferedLines(pino.destination({ dest: 1, sync: true }));
    setInterval(() => lines.flush(), LOG_FLUSH_INTERVAL_MS).unref();
    process.on('exit', flushLogs);
    stdout = lines;
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
