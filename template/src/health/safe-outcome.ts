import { safeText } from '../safe-text.js';
import { OUTPUT_MAX_LENGTH } from './describe-failure.js';
import { jsonSafeObservedValue } from './observed-value.js';
import type { CheckResult } from './types.js';

const UNIT_MAX_LENGTH = 64;

/** The part of a check's result that comes from what the checker returned. */
export type SafeOutcome = Pick<CheckResult, 'status' | 'observedValue' | 'observedUnit' | 'output'>;

/**
 * What a checker returned, as `/ready` may serve it. A checker's own words
 * are served, so they get the rules of an error's message: credentials
 * removed, `output` cut to 200 characters, the observed value made JSON-safe
 * and small. Whatever a checker returns, its entry serialises and stays
 * under about 1.5 KB.
 */
export function safeOutcome(outcome: unknown): SafeOutcome {
  if (outcome === null || typeof outcome !== 'object') return { status: 'pass' };
  const { status = 'pass', observedValue, observedUnit, output } = outcome as Record<string, unknown>;
  if (status !== 'pass' && status !== 'warn' && status !== 'fail') {
    return { status: 'fail', output: 'check returned an invalid status' };
  }
  const safe: SafeOutcome = { status };
  let note: string | undefined;
  if (observedValue !== undefined) {
    const shown = jsonSafeObservedValue(observedValue);
    if ('value' in shown) safe.observedValue = shown.value;
    else note = shown.note;
  }
  if (typeof observedUnit === 'string') safe.observedUnit = safeText(observedUnit, UNIT_MAX_LENGTH);
  const text = typeof output === 'string' ? output : undefined;
  if (output !== undefined && text === undefined) note ??= 'output dropped: not text';
  if (text !== undefined || note !== undefined) safe.output = joined(text, note);
  return safe;
}

/** The checker's output and the registry's note, the note kept whole. */
function joined(output: string | undefined, note: string | undefined): string {
  if (note === undefined) return safeText(output!, OUTPUT_MAX_LENGTH);
  if (output === undefined) return note;
  return `${safeText(output, OUTPUT_MAX_LENGTH - note.length - 2)}; ${note}`;
}
