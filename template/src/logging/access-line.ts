import { pino, type Logger } from 'pino';
import { boundString } from './bounds.js';
import { traceContext } from './trace-context.js';

const { symbols } = pino;

/** What pino keeps on a logger, under the symbols it exposes for integrations, that a line is made of. */
interface LoggerParts {
  /** `{"level":30`, by level value. */
  [symbols.lsCacheSym]: Record<number, string>;
  /** `,"time":…`, the logger's own timestamp. */
  [symbols.timeSym]: () => string;
  /** `,"service":…,"version":…`, the base and child bindings. */
  [symbols.chindingsSym]: string;
  [symbols.streamSym]: { write(line: string): void; [symbols.needsMetadataGsym]?: boolean };
}

/** What the access log says of a request. */
export interface AccessFields {
  /** Absent only where no request-id middleware ran (an app built in a test). */
  requestId: string | undefined;
  method: string;
  path: string;
  /** The route template; absent when no route matched. */
  route: string | undefined;
  status: number;
  durationMs: number;
}

export type AccessLineWriter = (fields: AccessFields) => void;

/**
 * Writes `logger.info(fields, 'request')`'s line, the same text on the same
 * destination, without pino's general path: hooks, formatters, serializers and
 * redaction each look at every field of every line, and the access log writes
 * one line per request, on its path. Its fields are known: numbers, tokens the
 * HTTP parser or this service wrote, and the path, the one string a client
 * chooses, cut as `logging/bounds.ts` cuts every string. pino still owns the
 * level, time, bindings and stream (through `pino.symbols`, its integration
 * interface); a test holds the two lines equal.
 */
export function accessLineWriter(logger: Logger): AccessLineWriter {
  const info = logger.levels.values.info!;
  const parts = logger as unknown as LoggerParts;
  const stream = parts[symbols.streamSym];
  // A multistream routes each line by the level pino notes on it: leave such a one to pino.
  if (stream[symbols.needsMetadataGsym] === true) return (fields) => logger.info(fields, 'request');
  return (fields) => {
    if (logger.levelVal > info) return;
    stream.write(
      parts[symbols.lsCacheSym][info]! +
        parts[symbols.timeSym]() +
        parts[symbols.chindingsSym] +
        traceFields() +
        text('requestId', fields.requestId) +
        text('method', fields.method) +
        text('path', boundString(fields.path)) +
        text('route', fields.route) +
        `,"status":${fields.status},"durationMs":${fields.durationMs},"msg":"request"}\n`,
    );
  };
}

/** The logger's mixin, written as pino writes it: before the line's own fields. */
function traceFields(): string {
  const { trace_id: traceId, span_id: spanId } = traceContext();
  return traceId === undefined ? '' : `,"trace_id":"${traceId}","span_id":"${spanId}"`;
}

/** Printable ASCII but `"` and `\`: text that is its own JSON string, as every field of most lines is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * A string field as pino writes it, or nothing when it is undefined. Plain
 * text is quoted as it is: JSON.stringify took most of a line's time.
 */
function text(key: string, value: string | undefined): string {
  if (value === undefined) return '';
  return `,"${key}":${PLAIN.test(value) ? `"${value}"` : JSON.stringify(value)}`;
}
