import type { HealthRegistry } from './registry.js';

/**
 * The shortest period of a check in the background, whatever its own
 * `cacheMs` (0 means "on every probe", which has no period): ten runs a second
 * is already more often than any probe or scrape reads a result.
 */
export const MIN_PERIOD_MS = 100;

/** Background runs of the health checks, started with `startBackgroundRuns`. */
export interface BackgroundRuns {
  /**
   * Schedules no further run, and hands running the checks back to the
   * probes. Resolves once the runs in progress have their result, which the
   * registry bounds by each check's timeout.
   */
  stop(): Promise<void>;
}

/**
 * Runs every check of the registry at once, then again `intervalMs` after
 * each run ends (or after the check's own shorter `cacheMs`, such as the
 * `migrations` check's 100 ms, so that readiness still follows it closely),
 * so that `/ready` and the `health_check_*` metrics are current when nothing
 * probes, and probes read results instead of running checks.
 *
 * Each check has its own timer, so a slow check delays no other. The next run
 * is timed from the end of the last, so runs of a check never overlap, and a
 * hung check (its run settles at its timeout, then fails at once until the
 * checker returns) holds one run, never a pile of them. There is no jitter:
 * each replica's schedule starts at its own start, and run durations shift
 * it further, so replicas do not call a shared dependency in step; a fixed
 * period keeps "a result is at most one interval and one timeout old" exact.
 * The timers do not keep the process alive.
 *
 * Register every check before starting: the registry refuses a later one.
 */
export function startBackgroundRuns(health: HealthRegistry, intervalMs: number): BackgroundRuns {
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
    throw new TypeError(`Background health runs need a positive integer interval, got ${String(intervalMs)}`);
  }
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const inProgress = new Set<Promise<unknown>>();

  const run = (name: string, periodMs: number): void => {
    const result = health.refresh(name);
    inProgress.add(result);
    const next = () => {
      inProgress.delete(result);
      if (stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        run(name, periodMs);
      }, periodMs);
      timer.unref();
      timers.add(timer);
    };
    // The registry turns a throwing check into a `fail` result and never
    // rejects; were it ever to, the schedule must still go on.
    result.then(next, next);
  };

  health.setRefreshedInBackground(true);
  for (const name of health.names()) {
    const own = health.ownCacheMs(name);
    run(name, Math.max(MIN_PERIOD_MS, own === undefined ? intervalMs : Math.min(intervalMs, own)));
  }

  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      health.setRefreshedInBackground(false);
      await Promise.allSettled([...inProgress]);
    },
  };
}
