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
