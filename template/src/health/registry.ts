import { CheckPendingError, CheckTimeoutError } from './check-error.js';
import { describeFailure } from './describe-failure.js';
import { safeOutcome } from './safe-outcome.js';
import type { CheckComponent, CheckResult, HealthChecker, HealthReport, HealthStatus } from './types.js';

export interface HealthRegistryOptions {
  /** Default time a check may take before its signal aborts. */
  timeoutMs: number;
  /** Default time a result is reused before the check runs again. */
  cacheMs: number;
  /** Receives the full error of a failed check, which `/ready` does not show. */
  onFailure?: (name: string, error: unknown) => void;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

interface Entry {
  checker: HealthChecker;
  critical: boolean;
  timeoutMs: number;
  cacheMs: number;
  /** The checker's own cacheMs, unbounded by HEALTH_CACHE_MS: background runs honour a shorter one. */
  ownCacheMs: number | undefined;
  component?: CheckComponent;
  last?: CheckResult;
  lastAt: number;
  inFlight?: Promise<CheckResult>;
  /** The checker's own promise until it settles, which may be long after its timeout. */
  running?: Promise<unknown>;
}

/**
 * Holds the readiness checks of the service and runs them for the probes.
 *
 * Checks run in parallel, each aborted at its timeout. At most one run of a
 * check is in flight, and its result is reused for `cacheMs`, so a probe storm
 * of any size costs each dependency at most one call per window. A checker
 * that ignores its signal is not started again until its last run settles:
 * meanwhile it fails, so a hung dependency holds one run, never one per probe.
 *
 * While background runs keep the results current (`HEALTH_INTERVAL_MS`),
 * probes read the latest result of each check instead, and run a check only
 * while it has none yet.
 */
export class HealthRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #options: HealthRegistryOptions;
  #drainReason: string | undefined;
  #refreshedInBackground = false;
  /** The last full report, returned again while every result in it is reused. */
  #lastReport: { results: CheckResult[]; report: HealthReport } | undefined;

  constructor(options: HealthRegistryOptions) {
    this.#options = options;
  }

  /** Adds a checker. Throws at once on a malformed or duplicate name. */
  register(checker: HealthChecker): void {
    if (typeof checker.name !== 'string' || !NAME.test(checker.name) || checker.name.length > 63) {
      throw new TypeError(
        `Health check name ${JSON.stringify(checker.name)} is invalid: use kebab-case (a-z, 0-9 and single dashes, 63 characters at most)`,
      );
    }
    if (this.#entries.has(checker.name)) {
      throw new Error(`Health check "${checker.name}" is already registered`);
    }
    if (this.#refreshedInBackground) {
      // The background schedules the checks it found at its start: a later one would never be refreshed.
      throw new Error(`Health check "${checker.name}" is registered after background runs started: register it before`);
    }
    const timeoutMs = checker.timeoutMs ?? this.#options.timeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new TypeError(`Health check "${checker.name}" has an invalid timeoutMs: ${String(timeoutMs)}`);
    }
    const ownCacheMs = checker.cacheMs ?? this.#options.cacheMs;
    if (!Number.isInteger(ownCacheMs) || ownCacheMs < 0) {
      throw new TypeError(`Health check "${checker.name}" has an invalid cacheMs: ${String(ownCacheMs)}`);
    }
    // HEALTH_CACHE_MS bounds how stale readiness may be: a check can only shorten it.
    const cacheMs = Math.min(ownCacheMs, this.#options.cacheMs);
    const component = componentOf(checker);
    this.#entries.set(checker.name, {
      checker,
      critical: checker.critical ?? true,
      timeoutMs,
      cacheMs,
      ownCacheMs: checker.cacheMs,
      ...(component && { component }),
      lastAt: 0,
    });
  }

  /** Names of the registered checks, in registration order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /**
   * Fails readiness for good, without running any check: used on shutdown so
   * the load balancer stops sending traffic while in-flight requests finish.
   */
  drain(reason = 'shutting down'): void {
    this.#drainReason ??= reason;
  }

  get draining(): boolean {
    return this.#drainReason !== undefined;
  }

  /**
   * Runs every check (or reuses fresh results) and aggregates them. Checks
   * named in `exclude` are neither run nor reported; other names are ignored.
   */
  async report(exclude?: ReadonlySet<string>): Promise<HealthReport> {
    if (this.#drainReason !== undefined) {
      return { status: 'fail', output: this.#drainReason, checks: {} };
    }
    const names = this.names().filter((name) => !exclude?.has(name));
    const results = await Promise.all(names.map((name) => this.#run(this.#entries.get(name)!)));
    const checks: Record<string, CheckResult> = {};
    names.forEach((name, index) => (checks[name] = results[index]!));
    // A report that excludes checks is built anew each time and kept by no
    // one: remembering one per combination would let clients grow memory.
    if (names.length < this.#entries.size) return { status: aggregate(results), checks };
    // Within a cache window a probe storm gets the same report, so the route
    // can reuse its serialised body too.
    const last = this.#lastReport;
    if (last && last.results.length === results.length && last.results.every((result, i) => result === results[i])) {
      return last.report;
    }
    const report = { status: aggregate(results), checks };
    this.#lastReport = { results, report };
    return report;
  }

  /** Runs one check; undefined when no check has that name. */
  async reportOne(name: string): Promise<HealthReport | undefined> {
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    if (this.#drainReason !== undefined) {
      return { status: 'fail', output: this.#drainReason, checks: {} };
    }
    const result = await this.#run(entry);
    return { status: aggregate([result]), checks: { [name]: result } };
  }

  /**
   * Runs one check now, however fresh its last result (sharing a run in
   * flight, and failing at once while a hung run has not settled), for
   * background runs. Undefined when no check has that name; never rejects.
   */
  async refresh(name: string): Promise<CheckResult | undefined> {
    const entry = this.#entries.get(name);
    return entry && this.#start(entry);
  }

  /** The cacheMs a check asked for itself, if any: background runs it at least that often. */
  ownCacheMs(name: string): number | undefined {
    return this.#entries.get(name)?.ownCacheMs;
  }

  /**
   * Set by background runs while they keep every result current: probes
   * then read each check's latest result, and run a check only while it has
   * none (before the first background run has finished).
   */
  setRefreshedInBackground(on: boolean): void {
    this.#refreshedInBackground = on;
  }

  /** The latest result of each check that has run; never runs a check. */
  lastResults(): ReadonlyMap<string, CheckResult> {
    const results = new Map<string, CheckResult>();
    for (const [name, entry] of this.#entries) {
      if (entry.last) results.set(name, entry.last);
    }
    return results;
  }

  #run(entry: Entry): Promise<CheckResult> {
    if (entry.last && (this.#refreshedInBackground || performance.now() - entry.lastAt < entry.cacheMs)) {
      return Promise.resolve(entry.last);
    }
    return this.#start(entry);
  }

  #start(entry: Entry): Promise<CheckResult> {
    entry.inFlight ??= this.#execute(entry)
      .then((result) => {
        entry.last = result;
        entry.lastAt = performance.now();
        return result;
      })
      .finally(() => (entry.inFlight = undefined));
    return entry.inFlight;
  }

  async #execute(entry: Entry): Promise<CheckResult> {
    const { checker, critical, timeoutMs } = entry;
    const started = performance.now();
    if (entry.running) return this.#failed(entry, new CheckPendingError(), started);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The race settles at the timeout even when a check ignores its signal.
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new CheckTimeoutError(timeoutMs);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    // An async wrapper, so that a checker that throws at once rejects like one that rejects.
    const running = (async () => checker.check(controller.signal))();
    entry.running = running;
    const settled = () => {
      if (entry.running === running) entry.running = undefined;
    };
    running.then(settled, settled);
    try {
      const outcome = await Promise.race([running, timedOut]);
      return {
        ...safeOutcome(outcome),
        time: new Date().toISOString(),
        durationMs: performance.now() - started,
        critical,
        ...(entry.component && { component: entry.component }),
      };
    } catch (error) {
      return this.#failed(entry, error, started);
    } finally {
      clearTimeout(timer);
    }
  }

  #failed(entry: Entry, error: unknown, started: number): CheckResult {
    try {
      this.#options.onFailure?.(entry.checker.name, error);
    } catch {
      // A failing log call must not turn a check result into a rejected probe.
    }
    return {
      status: 'fail',
      time: new Date().toISOString(),
      output: describeFailure(error),
      durationMs: performance.now() - started,
      critical: entry.critical,
      ...(entry.component && { component: entry.component }),
    };
  }
}

/** A measurement name fits in a key and a URL: letters, digits, `-` and `_`. */
const MEASUREMENT = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const COMPONENT_MAX_LENGTH = 200;

/** The checker's component fields, checked at registration; undefined when it gives none. */
function componentOf(checker: HealthChecker): CheckComponent | undefined {
  const { name, componentType, componentId, measurementName } = checker;
  for (const [field, value] of Object.entries({ componentType, componentId })) {
    if (value !== undefined && (typeof value !== 'string' || value === '' || value.length > COMPONENT_MAX_LENGTH)) {
      throw new TypeError(
        `Health check "${name}" has an invalid ${field}: ${JSON.stringify(value)} (text of 1 to ${COMPONENT_MAX_LENGTH} characters)`,
      );
    }
  }
  if (measurementName !== undefined && (typeof measurementName !== 'string' || !MEASUREMENT.test(measurementName))) {
    throw new TypeError(
      `Health check "${name}" has an invalid measurementName: ${JSON.stringify(measurementName)} (a letter, then letters, digits, - or _, 63 characters at most)`,
    );
  }
  const component: CheckComponent = {
    ...(componentType !== undefined && { componentType }),
    ...(componentId !== undefined && { componentId }),
    ...(measurementName !== undefined && { measurementName }),
  };
  return Object.keys(component).length > 0 ? Object.freeze(component) : undefined;
}

/** A critical failure fails the whole; any other failure or warning warns. */
function aggregate(results: readonly CheckResult[]): HealthStatus {
  let status: HealthStatus = 'pass';
  for (const result of results) {
    if (result.status === 'fail' && result.critical) return 'fail';
    if (result.status !== 'pass') status = 'warn';
  }
  return status;
}
