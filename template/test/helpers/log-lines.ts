import { Writable } from 'node:stream';

/** A destination for a logger that keeps each line written, as written. */
export function logLines(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return { stream, lines };
}

/** The JSON log lines of a process's output, parsed; other lines (a runtime's warning) are skipped. */
export function jsonLines<T = Record<string, unknown>>(output: string): T[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as T);
}
