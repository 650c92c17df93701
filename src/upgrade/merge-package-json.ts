import { isDeepStrictEqual } from 'node:util';
import { PlanError } from '../plan.js';

/** A merged package.json: its text, and the key paths both sides changed differently (yours kept). */
export interface PackageJsonMerge {
  text: string;
  conflicts: string[];
}

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

/**
 * Merges package.json by key rather than by line, because a line merge of two
 * dependency bumps next to each other conflicts, and conflict markers would
 * leave a file npm cannot read. Objects (dependencies, scripts, engines…)
 * merge key by key, recursively; arrays and scalars are values. A key changed
 * on one side takes that side; changed on both sides to the same value is no
 * conflict; changed differently keeps yours and is reported by its path
 * (`dependencies.pino`), so the result is always valid JSON.
 *
 * Keys keep your order; a key the template adds lands after the key that
 * precedes it in the template's file (at the start when none does, which
 * keeps sorted dependency lists sorted). Written as the template writes it:
 * two spaces and a final newline; when the merge changes nothing of yours,
 * your text is returned as it is.
 */
export function mergePackageJson(base: string, yours: string, theirs: string): PackageJsonMerge {
  const parsed = {
    base: parse(base, 'the template’s old package.json'),
    yours: parse(yours, 'package.json'),
    theirs: parse(theirs, 'the template’s package.json'),
  };
  const conflicts: string[] = [];
  const merged = mergeValue(parsed.base, parsed.yours, parsed.theirs, [], conflicts) as JsonObject;
  if (sameInOrder(merged, parsed.yours)) return { text: yours, conflicts };
  if (sameInOrder(merged, parsed.theirs)) return { text: theirs, conflicts };
  return { text: `${JSON.stringify(merged, null, 2)}\n`, conflicts };
}

function parse(text: string, file: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PlanError(`${file} is not valid JSON (${(error as Error).message}); fix it, then upgrade again`);
  }
  if (!isObject(value)) throw new PlanError(`${file} does not hold a JSON object; fix it, then upgrade again`);
  return value;
}

/** The merged value of one key; undefined means the key is absent. */
function mergeValue(
  base: Json | undefined,
  yours: Json | undefined,
  theirs: Json | undefined,
  path: string[],
  conflicts: string[],
): Json | undefined {
  if (isDeepStrictEqual(yours, theirs) || isDeepStrictEqual(base, theirs)) return yours;
  if (isDeepStrictEqual(base, yours)) return theirs;
  if (isObject(yours) && isObject(theirs) && (base === undefined || isObject(base))) {
    return mergeObject(base ?? {}, yours, theirs, path, conflicts);
  }
  conflicts.push(path.join('.'));
  return yours;
}

function mergeObject(
  base: JsonObject,
  yours: JsonObject,
  theirs: JsonObject,
  path: string[],
  conflicts: string[],
): JsonObject {
  const values = new Map<string, Json>();
  for (const key of new Set([...Object.keys(yours), ...Object.keys(theirs), ...Object.keys(base)])) {
    const value = mergeValue(base[key], yours[key], theirs[key], [...path, key], conflicts);
    if (value !== undefined) values.set(key, value);
  }
  const order = Object.keys(yours).filter((key) => values.has(key));
  const theirsKeys = Object.keys(theirs);
  theirsKeys.forEach((key, index) => {
    if (!values.has(key) || order.includes(key)) return;
    const preceding = theirsKeys
      .slice(0, index)
      .reverse()
      .find((other) => order.includes(other));
    order.splice(preceding === undefined ? 0 : order.indexOf(preceding) + 1, 0, key);
  });
  // Objects in JSON keep insertion order, except integer-like keys, which no package.json section uses.
  return Object.fromEntries(order.map((key) => [key, values.get(key)!]));
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Equal, keys in the same order too: only then can a text be kept as it is. */
function sameInOrder(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
