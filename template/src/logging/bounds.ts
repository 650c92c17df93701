import { pino, type LoggerOptions } from 'pino';
import { safeText } from '../safe-text.js';

/** The longest string in a log line; a longer one is cut, and says how long it was. */
export const LOG_STRING_MAX_LENGTH = 1024;
/** A stack is worth more room: its frames come after the message. */
const STACK_MAX_LENGTH = 4096;
/** The longest line; a longer one (many long fields) is replaced by its short fields. */
export const LOG_LINE_MAX_LENGTH = 16 * 1024;
/** Nesting and entries per object that pino serialises (its `depthLimit` and `edgeLimit`). */
const DEPTH_LIMIT = 5;
const EDGE_LIMIT = 100;

/**
 * The pino options that bound every log line, whatever is logged: each string
 * to 1 KB (a 15 KB path, a 1 MB error message), each line to 16 KB, and every
 * string of an error (message, stack, cause, properties such as a URL's
 * `input`) without its credentials. An ordinary line costs a length check per
 * field: the access log is on every request's path.
 */
export function boundedLogOptions(): Pick<
  LoggerOptions,
  'depthLimit' | 'edgeLimit' | 'formatters' | 'serializers' | 'hooks'
> {
  return {
    depthLimit: DEPTH_LIMIT,
    edgeLimit: EDGE_LIMIT,
    formatters: { log: (fields) => boundFields(fields, 0) },
    serializers: { err: safeError },
    hooks: {
      logMethod(args, method) {
        // Without a message pino takes the error's, unbounded and unredacted: give it ours.
        const [first] = args as unknown[];
        if (args.length === 1 && first !== null && typeof first === 'object') {
          const err = first instanceof Error ? first : (first as { err?: unknown }).err;
          if (err instanceof Error) return method.apply(this, [first, safeText(err.message, LOG_STRING_MAX_LENGTH)]);
        }
        for (let i = 0; i < args.length; i++) {
          const arg: unknown = args[i];
          if (typeof arg === 'string') (args as unknown[])[i] = boundString(arg);
        }
        return method.apply(this, args);
      },
      streamWrite: boundLine,
    },
  };
}

/** `value` cut to LOG_STRING_MAX_LENGTH with a note of its length; the same string when short (the usual case). */
export function boundString(value: string): string {
  return value.length > LOG_STRING_MAX_LENGTH ? safeText(value, LOG_STRING_MAX_LENGTH, { marker: true }) : value;
}

/** `fields` with each long string cut; the same object when nothing is (the usual case). */
function boundFields(fields: Record<string, unknown>, depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    const bounded = boundValue(value, depth);
    if (bounded !== value) (copy ??= { ...fields })[key] = bounded;
  }
  return copy ?? fields;
}

function boundValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return boundString(value);
  // Errors are left whole for the `err` serializer; deeper than pino goes is not written.
  if (value === null || typeof value !== 'object' || value instanceof Error || depth >= DEPTH_LIMIT) return value;
  if (Array.isArray(value)) {
    const items = value as unknown[];
    let copy: unknown[] | undefined;
    for (let i = 0; i < Math.min(items.length, EDGE_LIMIT); i++) {
      const bounded = boundValue(items[i], depth + 1);
      if (bounded !== items[i]) (copy ??= [...items])[i] = bounded;
    }
    return copy ?? items;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null
    ? boundFields(value as Record<string, unknown>, depth + 1)
    : value;
}

/**
 * pino's error serializer, then every string of it (cause and properties too)
 * redacted and cut. Anything else logged as `err` (a string, a summary
 * object) is redacted and cut as it is.
 */
function safeError(err: unknown): unknown {
  return redactDeep(err instanceof Error ? pino.stdSerializers.err(err) : err, 0);
}

function redactDeep(value: unknown, depth: number, key = ''): unknown {
  if (typeof value === 'string') {
    return safeText(value, key === 'stack' ? STACK_MAX_LENGTH : LOG_STRING_MAX_LENGTH, { marker: true });
  }
  if (value === null || typeof value !== 'object' || depth >= DEPTH_LIMIT) return value;
  if (Array.isArray(value)) return value.slice(0, EDGE_LIMIT).map((item) => redactDeep(item, depth + 1));
  const safe: Record<string, unknown> = {};
  for (const name of Object.keys(value).slice(0, EDGE_LIMIT)) {
    safe[name] = redactDeep((value as Record<string, unknown>)[name], depth + 1, name);
  }
  return safe;
}

/**
 * The last bound, for a line of many long fields: keep its first few plain
 * fields (level, time, service, msg, ids), each cut short, and say how long it was.
 */
function boundLine(line: string): string {
  if (line.length <= LOG_LINE_MAX_LENGTH) return line;
  const kept: Record<string, unknown> = {};
  const fields = Object.entries(JSON.parse(line) as Record<string, unknown>);
  for (const [key, value] of fields.slice(0, 32)) {
    if (typeof value === 'number' || typeof value === 'boolean') kept[key] = value;
    if (typeof value === 'string') kept[key] = safeText(value, 200, { marker: true });
  }
  kept.msg ??= fields.find(([key]) => key === 'msg')?.[1];
  kept.logLineCut = `${line.length} characters, only its short fields kept`;
  return `${JSON.stringify(kept)}\n`;
}
