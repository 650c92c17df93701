import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { npmInstall, NpmInstallError } from './plan-actions.js';
import { applyPlan, PlanError, resolveInside, type Plan } from './plan.js';

/** Runs `npm install` in a directory; aborting the signal stops it, and the promise settles once it has. */
export type Install = (dir: string, signal: AbortSignal) => Promise<void>;

/** The signals that stop an install: Ctrl-C, and a polite kill. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Writes a new service and installs it so that `services/<name>` appears only
 * once installed. The plan's files go to a hidden sibling,
 * `services/.<name>.partial-<random>`, `npm install` runs there, and one
 * rename puts it in place. A failed install, or Ctrl-C (SIGINT or SIGTERM)
 * during it, stops npm and removes the sibling: nothing is left that would
 * make the same command refuse next time. Only a kill that cannot be caught
 * (SIGKILL) can leave the hidden sibling behind, never `services/<name>`.
 *
 * A failed install throws. On a signal, once npm has exited and the sibling
 * is gone, the signal goes on to whoever listened before (plop's spinner,
 * which exits 130 on Ctrl-C).
 */
export async function installNewService(plan: Plan, install: Install = npmInstall): Promise<string> {
  const target = plan.newDirectory;
  if (target === undefined) throw new PlanError('installNewService needs a plan for a new directory');
  const partial = path.posix.join(
    path.posix.dirname(target),
    `.${path.posix.basename(target)}.partial-${randomBytes(4).toString('hex')}`,
  );
  const partialAbs = resolveInside(plan.root, partial);
  // A `services/` made for this service goes too if the service does not land.
  const parentAbs = path.dirname(partialAbs);
  const parentExisted = existsSync(parentAbs);
  const cleanUp = () => {
    rmSync(partialAbs, { recursive: true, force: true });
    if (!parentExisted && existsSync(parentAbs) && readdirSync(parentAbs).length === 0) rmdirSync(parentAbs);
  };

  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const signals = holdSignals((signal) => {
    stoppedBy ??= signal;
    controller.abort();
  });
  let placed = false;
  try {
    applyPlan(movePlan(plan, target, partial));
    await install(partialAbs, controller.signal);
    if (stoppedBy) throw new Error(`stopped by ${stoppedBy}`);
    // rename() would replace an empty directory made meanwhile: look once more.
    if (existsSync(resolveInside(plan.root, target)))
      throw new PlanError(`${target} already exists; nothing was written`);
    renameSync(partialAbs, resolveInside(plan.root, target));
    placed = true;
    return `${target}: ${plan.changes.length} files written, dependencies installed`;
  } catch (error) {
    if (error instanceof NpmInstallError && !stoppedBy) {
      throw new PlanError(
        `npm install failed (${error.detail}); ${target} was not created. ` +
          'Fix the cause and run the same command again, or add --skip-install to write it without installing',
      );
    }
    throw error;
  } finally {
    if (!placed) cleanUp();
    signals.release();
    if (stoppedBy) {
      process.stderr.write(`\ninterrupted: ${target} was not created and nothing is left behind\n`);
      await passOn(stoppedBy);
    }
  }
}

/**
 * Takes SIGINT and SIGTERM from their listeners until released. plop's
 * spinner exits the process on either at once, which would leave npm running
 * and its half-installed directory behind.
 */
function holdSignals(onSignal: (signal: NodeJS.Signals) => void): { release: () => void } {
  const previous = STOP_SIGNALS.map((signal) => [signal, process.rawListeners(signal)] as const);
  for (const signal of STOP_SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, onSignal);
  }
  return {
    release() {
      for (const [signal, listeners] of previous) {
        process.off(signal, onSignal);
        for (const listener of listeners) process.on(signal, listener as (signal: NodeJS.Signals) => void);
      }
    },
  };
}

/** Raises `signal` again now that it is released, and never settles: the process ends here. */
function passOn(signal: NodeJS.Signals): Promise<never> {
  process.kill(process.pid, signal);
  // In case a listener took the signal and did not exit.
  setTimeout(() => process.exit(128 + constants.signals[signal]), 1_000);
  return new Promise(() => {});
}

/** The same plan, with every path under `from` moved under `to`. */
function movePlan(plan: Plan, from: string, to: string): Plan {
  return {
    root: plan.root,
    newDirectory: to,
    changes: plan.changes.map((change) => ({ ...change, path: `${to}${change.path.slice(from.length)}` })),
  };
}
