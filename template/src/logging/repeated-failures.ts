import type { Logger } from 'pino';
import { safeText } from '../safe-text.js';

export interface RepeatedFailuresOptions {
  /** At most one line per kind of failure per interval after its first. Default 60 s. */
  intervalMs?: number;
  /** Kinds remembered at once; past it, new kinds share one. Default 100. */
  maxKinds?: number;
  /** The clock, in milliseconds (tests move it). */
  now?: () => number;
}

interface Kind {
  /** When this kind was last written. */
  loggedAt: number;
  /** Occurrences left out since. */
  left: number;
}

const OVERFLOW = 'other failures';

/**
 * Logs failures that may repeat many times a second (every request during a
 * database outage, every probe while a dependency is down) at a bounded
 * rate. The first of a kind is logged in full; repeats within `intervalMs`
 * are counted, not written, and the next one after it is written as one
 * short line (no stack) with `repeated`, the count since the last line. How
 * many failed is in the metrics (`service_errors_total`, `health_check_*`);
 * the log keeps one example of each and how often it recurs.
 */
export class RepeatedFailures {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #maxKinds: number;
  readonly #now: () => number;
  readonly #kinds = new Map<string, Kind>();

  constructor(logger: Logger, options: RepeatedFailuresOptions = {}) {
    this.#logger = logger;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#maxKinds = options.maxKinds ?? 100;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Logs `fields` at `level` (at `info`, an expected state, the error without
   * its stack), unless a failure of the same kind (`scope`, plus the class,
   * code and message of `fields.err`) was logged less than an interval ago.
   */
  log(level: 'info' | 'warn' | 'error', scope: string, fields: Record<string, unknown>, msg: string): void {
    const now = this.#now();
    const key = this.#kindOf(`${scope.slice(0, 200)} ${describeKind(fields.err)}`, now);
    const kind = this.#kinds.get(key);
    if (kind && now - kind.loggedAt < this.#intervalMs) {
      kind.left++;
      return;
    }
    this.#kinds.set(key, { loggedAt: now, left: 0 });
    if (!kind || kind.left === 0) {
      // At info, an expected state: told in a line, without the stack of a fault.
      const err = level === 'info' && fields.err !== undefined ? { err: brief(fields.err) } : {};
      this.#logger[level]({ ...fields, ...err }, msg);
    } else {
      const repeated = kind.left + 1;
      const err = fields.err === undefined ? {} : { err: brief(fields.err) };
      this.#logger[level]({ ...fields, ...err, repeated }, `${msg} (${repeated} times since the last line)`);
    }
  }

  /** The key to count under: its own while there is room, else the shared overflow. */
  #kindOf(key: string, now: number): string {
    if (this.#kinds.has(key) || this.#kinds.size < this.#maxKinds) return key;
    for (const [old, kind] of this.#kinds) {
      if (now - kind.loggedAt >= this.#intervalMs) this.#kinds.delete(old);
    }
    return this.#kinds.size < this.#maxKinds ? key : OVERFLOW;
  }
}

/** What makes two failures the same kind: class, code and the start of the message. */
function describeKind(err: unknown): string {
  if (!(err instanceof Error)) return err === undefined ? '' : typeof err;
  const { code } = err as { code?: unknown };
  return `${err.name}:${typeof code === 'string' || typeof code === 'number' ? code : ''}:${err.message.slice(0, 120)}`;
}

/** A repeat's error: enough to recognise it, without the stack seen once already. */
function brief(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const { code } = err as { code?: unknown };
  return { type: err.name, message: safeText(err.message, 200), ...(code !== undefined && { code }) };
}
