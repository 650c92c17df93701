import { safeText } from '../safe-text.js';

/** The largest observed value `/ready` shows, in characters of JSON: a few numbers or a small object. */
export const OBSERVED_VALUE_MAX_LENGTH = 1024;
const STRING_MAX_LENGTH = 200;
const MAX_DEPTH = 8;
/** Values walked before giving up, so that a huge object costs no more than a small one. */
const MAX_NODES = 256;

class NotShowable extends Error {}

/**
 * A checker's `observedValue` as `/ready` can serve it: BigInts become
 * numbers (or decimal strings past 2^53), cycles `"[Circular]"`, functions and
 * symbols are left out as JSON leaves them, strings lose their credentials.
 * A value that is too large or whose serialisation throws is dropped, and
 * `note` says why: one checker's value must never break the whole report.
 */
export function jsonSafeObservedValue(value: unknown): { value: unknown } | { note: string } {
  let safe: unknown;
  try {
    safe = toJson(value, [], { nodes: MAX_NODES });
  } catch (error) {
    if (error instanceof NotShowable) return { note: error.message };
    return { note: 'observedValue dropped: not serialisable as JSON' };
  }
  if (safe === undefined) return { note: 'observedValue dropped: not serialisable as JSON' };
  if (JSON.stringify(safe).length > OBSERVED_VALUE_MAX_LENGTH) {
    return { note: `observedValue dropped: over ${OBSERVED_VALUE_MAX_LENGTH} characters as JSON` };
  }
  return { value: safe };
}

function toJson(value: unknown, ancestors: object[], budget: { nodes: number }): unknown {
  if (--budget.nodes < 0) throw new NotShowable(`observedValue dropped: over ${MAX_NODES} values`);
  switch (typeof value) {
    case 'string':
      return safeText(value, STRING_MAX_LENGTH);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      // undefined, functions and symbols: JSON leaves them out.
      return undefined;
  }
  if (value === null) return null;
  const { toJSON } = value as { toJSON?: unknown };
  if (typeof toJSON === 'function') return toJson(toJSON.call(value), ancestors, budget);
  if (ancestors.includes(value)) return '[Circular]';
  if (ancestors.length >= MAX_DEPTH) throw new NotShowable(`observedValue dropped: nested over ${MAX_DEPTH} levels`);
  ancestors.push(value);
  try {
    if (Array.isArray(value)) return value.map((item) => toJson(item, ancestors, budget) ?? null);
    const object: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = toJson((value as Record<string, unknown>)[key], ancestors, budget);
      if (item !== undefined) object[safeText(key, STRING_MAX_LENGTH)] = item;
    }
    return object;
  } finally {
    ancestors.pop();
  }
}
