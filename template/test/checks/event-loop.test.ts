import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEventLoopChecker } from '../../src/checks/event-loop.js';

const signal = new AbortController().signal;

/** Keeps the event loop from running anything else for `ms`. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

/**
 * A clock that moves only when the test says: the checker's timer still runs
 * for real, but the delays it measures are the ones the test made, whatever
 * the machine's load. (On a busy machine the real event loop does lag, and a
 * test that expects no warning from it would depend on an idle machine.)
 */
function manualClock() {
  let ms = 0;
  return {
    now: () => ms,
    /** As if the event loop had been held for `stallMs`. */
    stall: (stallMs: number) => void (ms += stallMs),
  };
}

/** Long enough for the checker's 20 ms timer to run a few times, however late. */
const TICKS = () => sleep(60);

// Serial: the real-clock tests block the event loop.
test.serial('is named event-loop, non-critical, and observes a number of ms', async (t) => {
  const checker = createEventLoopChecker();
  await sleep(100);
  const outcome = await checker.check(signal);
  t.is(checker.name, 'event-loop');
  t.false(checker.critical);
  t.is(outcome?.observedUnit, 'ms');
  t.is(typeof outcome?.observedValue, 'number');
  t.true((outcome?.observedValue as number) >= 0);
});

test.serial('passes while the event loop keeps up', async (t) => {
  const checker = createEventLoopChecker({ warnAboveMs: 100, now: manualClock().now });
  await TICKS();
  const outcome = await checker.check(signal);
  t.is(outcome?.status, undefined, JSON.stringify(outcome));
  t.true((outcome?.observedValue as number) < 100);
});

test.serial('warns after the event loop was blocked over warnAboveMs', async (t) => {
  const clock = manualClock();
  const checker = createEventLoopChecker({ warnAboveMs: 100, now: clock.now });
  await TICKS();
  t.is((await checker.check(signal))?.status, undefined);
  await TICKS();
  clock.stall(300);
  await TICKS();
  const outcome = await checker.check(signal);
  t.is(outcome?.status, 'warn');
  t.is(outcome?.output, 'event loop delay p99 over 100 ms');
  t.true((outcome?.observedValue as number) > 100);
  // Each check reports the delay since the previous one: the stall is over.
  await TICKS();
  t.is((await checker.check(signal))?.status, undefined);
});

// A stall seen while it is still going on: the timer has not run since.
test.serial('counts a stall in progress at the time of the check', async (t) => {
  const clock = manualClock();
  const checker = createEventLoopChecker({ warnAboveMs: 100, now: clock.now });
  await TICKS();
  clock.stall(300);
  t.is((await checker.check(signal))?.status, 'warn');
});

// With monitorEventLoopDelay, reset() in check() also forgot the interval in
// progress, so a stall that started right after a check was never seen. On
// the real clock: load can only make a real block longer.
test.serial('warns for a real block that starts right after a check', async (t) => {
  const checker = createEventLoopChecker({ warnAboveMs: 100 });
  await TICKS();
  await checker.check(signal);
  block(300);
  await TICKS();
  t.is((await checker.check(signal))?.status, 'warn');
});

// Until the timer first runs the process is still starting (building the app,
// listening): not lag, and the first check after start must not warn.
test.serial('does not count the work done before its timer first runs', async (t) => {
  const clock = manualClock();
  const checker = createEventLoopChecker({ warnAboveMs: 100, now: clock.now });
  t.is((await checker.check(signal))?.observedValue, 0, 'a check before the first run');
  clock.stall(300); // before the timer ever ran
  await TICKS();
  const outcome = await checker.check(signal);
  t.is(outcome?.status, undefined, JSON.stringify(outcome));
  t.true((outcome?.observedValue as number) < 100);
});
