import type { ParsedUrlQuery } from 'node:querystring';

/** What a probe asked for through Kubernetes' query parameters. */
export interface ProbeQuery {
  /** `?verbose`, with or without a value (as Kubernetes reads it): answer the plain-text list. */
  verbose: boolean;
  /** `?exclude=<check>`, repeatable: names of checks not to run. */
  exclude: ReadonlySet<string>;
}

/** More names than any service registers checks; the rest of a longer list is ignored. */
const MAX_EXCLUDED = 64;
/** The longest check name the registry accepts. */
const MAX_NAME_LENGTH = 63;

/**
 * Reads `verbose` and `exclude` as kube-apiserver's `/readyz` does: `exclude`
 * is repeated, one name a value, never split on commas; every other parameter
 * is ignored. The set is bounded in size and in the length of each name, so
 * a client cannot make a probe hold more than a few kilobytes.
 */
export function parseProbeQuery(query: ParsedUrlQuery): ProbeQuery {
  const raw = query.exclude;
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const exclude = new Set<string>();
  for (const value of values.slice(0, MAX_EXCLUDED)) {
    if (value.length > 0 && value.length <= MAX_NAME_LENGTH) exclude.add(value);
  }
  return { verbose: query.verbose !== undefined, exclude };
}
