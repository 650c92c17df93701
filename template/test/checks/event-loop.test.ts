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

// Serial: one test blocking the event loop would make another's check warn.
test.serial('passes with a numeric observedValue in ms, and is non-critical', async (t) => {
  const checker = createEventLoopChecker();
  await sleep(100);
  const outcome = await checker.check(signal);
  t.is(checker.name, 'event-loop');
  t.false(checker.critical);
  t.is(outcome?.status, undefined);
  t.is(outcome?.observedUnit, 'ms');
  t.is(typeof outcome?.observedValue, 'number');
  t.true((outcome?.observedValue as number) >= 0);
});

test.serial('warns after the event loop was blocked over warnAboveMs', async (t) => {
  const checker = createEventLoopChecker({ warnAboveMs: 100 });
  await sleep(60);
  t.is((await checker.check(signal))?.status, undefined);
  await sleep(60);
  block(300);
  // The long sample is recorded only once the monitor's timer runs again.
  await sleep(60);
  const outcome = await checker.check(signal);
  t.is(outcome?.status, 'warn');
  t.is(outcome?.output, 'event loop delay p99 over 100 ms');
  t.true((outcome?.observedValue as number) > 100);
});

// With monitorEventLoopDelay, reset() in check() also forgot the interval in
// progress, so a stall that started right after a check was never seen.
test.serial('warns for a block that starts right after a check', async (t) => {
  const checker = createEventLoopChecker({ warnAboveMs: 100 });
  await sleep(60);
  await checker.check(signal);
  block(300);
  await sleep(60);
  t.is((await checker.check(signal))?.status, 'warn');
});

// Until the timer first runs the process is still starting (building the app,
// listening): not lag, and the first check after start must not warn.
test.serial('does not count the work done before its timer first runs', async (t) => {
  const checker = createEventLoopChecker({ warnAboveMs: 100 });
  t.is((await checker.check(signal))?.observedValue, 0, 'a check before the first run');
  block(300);
  await sleep(60);
  const outcome = await checker.check(signal);
  t.is(outcome?.status, undefined, JSON.stringify(outcome));
  t.true((outcome?.observedValue as number) < 100);
});
