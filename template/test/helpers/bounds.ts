/**
 * Bounds for tests that wait, chosen for an overloaded CI machine (processes
 * frozen for a moment every second, every CPU shared): tests assert what
 * happens, never how fast; speed is the benchmark's to measure.
 */

/**
 * How long a test waits for a state to change (the database gone or back, a
 * pool filling up): about a second on an idle machine, many times that on a
 * busy one. A bound on a hang, not a speed.
 */
export const SETTLE_MS = 30_000;

/**
 * What a busy machine may add to a wait that a timeout bounds (a timer firing
 * late, a frozen process). Small enough that a wait this bound passes was not
 * a hang.
 */
export const SLACK_MS = 2000;

/**
 * The longest a `/healthz` answer may take at any moment after "listening",
 * the embedded database's start included, on a quiet machine (a liveness
 * probe's budget). A start that held the event loop held it for seconds.
 */
export const LIVENESS_ANSWER_MS = 100;

/**
 * The same bound on a busy machine, where any process may be starved or
 * frozen for a moment (`../shared/tools/under-load` freezes every process
 * of the test for 200 ms each second): still far below a held event loop.
 * It applies when a control, a bare HTTP server polled alongside the
 * service, was itself slower than CONTROL_QUIET_MS at least once; twice the
 * control's slowest answer where that is longer (measured under `under-load`:
 * the service's slowest 861 ms, the control's 1030 ms).
 */
export const LIVENESS_ANSWER_BUSY_MS = 1000;

/** A bare HTTP server's slowest answer on a quiet machine is well under this. */
export const CONTROL_QUIET_MS = 50;

/** The bar for SIGTERM at any moment of start-up: exit 0 within this (plus SLACK_MS on a busy machine). */
export const SHUTDOWN_DURING_START_MS = 2000;
