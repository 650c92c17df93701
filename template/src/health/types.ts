/** Status of a check or of the whole service, as in the IETF health+json draft. */
export type HealthStatus = 'pass' | 'warn' | 'fail';

/**
 * What a checker may return: nothing for `pass`, or a warning and an observed
 * value. `/ready` serves it with credentials removed and bounded: `output` to
 * 200 characters, `observedUnit` to 64, `observedValue` to 1 KB of JSON.
 */
export interface CheckOutcome {
  status?: 'warn';
  /** A number or a small object. A BigInt, a cycle or a function is made JSON-safe; a larger value is dropped with a note in `output`. */
  observedValue?: unknown;
  observedUnit?: string;
  /** A short message for operators, shown in `/ready` with a warning. */
  output?: string;
}

/**
 * One dependency check. Implement `check` to throw (or reject) on failure and
 * to stop its work when `signal` aborts: the registry aborts it at `timeoutMs`.
 */
export interface HealthChecker {
  /** kebab-case, unique in the registry. */
  readonly name: string;
  /** A failing critical check fails readiness (503); a non-critical one only warns. Default true. */
  readonly critical?: boolean;
  /** Default: HEALTH_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /**
   * How long a result is reused: HEALTH_CACHE_MS, or less. A check that only
   * reads memory may take a short window (100 ms), so that a change of state
   * shows sooner; 0 runs the check, with its timer, on every probe. With
   * background runs (HEALTH_INTERVAL_MS), a shorter cacheMs is how often the
   * check runs there instead (100 ms at least).
   */
  readonly cacheMs?: number;
  /**
   * What the check looks at, as the health+json draft names it: `datastore`,
   * `component` or `system` (its predefined values), or a URI of your own.
   */
  readonly componentType?: string;
  /** Which instance of it, when several are checked (a database's host name, say). */
  readonly componentId?: string;
  /**
   * What is measured, when the check measures one thing: its entry in `/ready`
   * is then keyed `name:measurementName` (`payments-api:responseTime`), as the
   * draft keys measurements. `/ready/:check` and the metrics still use `name`.
   */
  readonly measurementName?: string;
  check(signal: AbortSignal): Promise<void | CheckOutcome>;
}

/** How the health+json draft describes a check's component, from its checker. */
export type CheckComponent = Pick<HealthChecker, 'componentType' | 'componentId' | 'measurementName'>;

/** The result of one run of a check, as `/ready` shows it under `checks`. */
export interface CheckResult {
  status: HealthStatus;
  /** ISO 8601 time at which the result was taken. */
  time: string;
  observedValue?: unknown;
  observedUnit?: string;
  output?: string;
  /** How long the run took, for the `health_check_duration_seconds` metric. */
  durationMs: number;
  critical: boolean;
  /** The checker's own description of its component, when it gives one. */
  component?: CheckComponent;
}

/** The aggregated readiness report. */
export interface HealthReport {
  status: HealthStatus;
  output?: string;
  checks: Record<string, CheckResult>;
}
