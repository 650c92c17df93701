import type { HealthReport } from './types.js';

/**
 * The plain-text list kube-apiserver prints for `/readyz?verbose`
 * (k8s.io/apiserver/pkg/server/healthz): one line a check, then the verdict.
 *
 * ```
 * [+]database ok
 * [-]migrations failed: reason withheld
 * [+]event-loop excluded: ok
 * warn: some health checks cannot be excluded: no matches for "nope"
 * readyz check failed
 * ```
 *
 * As there, a failure's reason is withheld (the JSON body has the safe part
 * of it, the log the rest). A warning is not a failure in this two-state
 * list: it prints `ok`. The verdict follows the report's status, so it agrees
 * with the status code: a non-critical check that fails is listed `[-]` under
 * `check passed`. A draining service lists Kubernetes' own `shutdown` check.
 *
 * @param name `readyz` or `healthz`: the word before `check passed`.
 */
export function verboseText(name: string, report: HealthReport, options: VerboseOptions): string {
  const { registered, excluded = new Set(), draining = false } = options;
  let text = '';
  if (draining) {
    text += '[-]shutdown failed: reason withheld\n';
  } else {
    for (const check of registered) {
      const result = report.checks[check];
      if (excluded.has(check)) text += `[+]${check} excluded: ok\n`;
      else if (result?.status === 'fail') text += `[-]${check} failed: reason withheld\n`;
      else if (result) text += `[+]${check} ok\n`;
    }
  }
  const unmatched = [...excluded].filter((check) => !registered.includes(check)).sort();
  if (unmatched.length > 0) {
    const quoted = unmatched.map((check) => JSON.stringify(check)).join(',');
    text += `warn: some health checks cannot be excluded: no matches for ${quoted}\n`;
  }
  return `${text}${name} check ${report.status === 'fail' ? 'failed' : 'passed'}\n`;
}

export interface VerboseOptions {
  /** Every registered check, in registration order: the order of the lines. */
  registered: readonly string[];
  /** The names a probe asked to exclude, registered or not. */
  excluded?: ReadonlySet<string>;
  /** Readiness failed for good on shutdown: no check ran. */
  draining?: boolean;
}
