import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One file the generator writes: a new file, or a new content for an existing one. */
export type FileChange =
  | { type: 'add'; path: string; content: string | Buffer; mode?: number }
  | { type: 'modify'; path: string; before: string; content: string };

/**
 * Everything a generator will do, built in memory before anything is written,
 * so that it can be checked whole, printed for a dry run, and applied all or
 * nothing. Paths are relative to `root`.
 */
export interface Plan {
  root: string;
  /** When set, every `add` lands in this new directory, created by one rename. */
  newDirectory?: string;
  changes: FileChange[];
}

/** A plan that cannot be applied; its message says why, and nothing was written. */
export class PlanError extends Error {
  override name = 'PlanError';
}

/** Refuses a plan that would overwrite, escape its root or act on a file changed since planning. */
export function checkPlan(plan: Plan): void {
  const problems: string[] = [];
  if (plan.newDirectory !== undefined && existsSync(resolveInside(plan.root, plan.newDirectory))) {
    problems.push(`${plan.newDirectory} already exists`);
  }
  for (const change of plan.changes) {
    const target = resolveInside(plan.root, change.path);
    if (change.type === 'add' && plan.newDirectory === undefined && existsSync(target)) {
      problems.push(`${change.path} already exists`);
    }
    if (change.type === 'modify' && (!existsSync(target) || readFileSync(target, 'utf8') !== change.before)) {
      problems.push(`${change.path} changed while the generator ran`);
    }
  }
  if (problems.length > 0) throw new PlanError(`${problems.join('; ')}; nothing was written`);
}

/**
 * Checks, then writes the plan. A new directory is written to a staging
 * directory beside it and renamed into place; changes to an existing tree are
 * undone if any write fails. Returns the paths written, relative to the root.
 */
export function applyPlan(plan: Plan): string[] {
  checkPlan(plan);
  return plan.newDirectory === undefined ? applyInPlace(plan) : applyAsNewDirectory(plan, plan.newDirectory);
}

function applyAsNewDirectory(plan: Plan, newDirectory: string): string[] {
  const target = resolveInside(plan.root, newDirectory);
  const staging = path.join(
    path.dirname(target),
    `.${path.basename(target)}.staging-${randomBytes(4).toString('hex')}`,
  );
  // Directories made for the staging directory (such as `services/`) go too if the plan fails.
  const createdParent = mkdirSync(path.dirname(target), { recursive: true });
  let renamed = false;
  try {
    for (const change of plan.changes) {
      if (change.type !== 'add') throw new PlanError(`cannot modify ${change.path} in a new directory`);
      const file = resolveInside(staging, path.relative(newDirectory, change.path));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, change.content, { mode: change.mode });
    }
    // rename() would replace an empty directory made meanwhile: look once more.
    if (existsSync(target)) throw new PlanError(`${newDirectory} already exists; nothing was written`);
    renameSync(staging, target);
    renamed = true;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    if (!renamed && createdParent !== undefined) rmSync(createdParent, { recursive: true, force: true });
  }
  return plan.changes.map((change) => change.path);
}

function applyInPlace(plan: Plan): string[] {
  const undo: (() => void)[] = [];
  try {
    // New files first, then changes to existing ones: a marker insertion never
    // points at a file that failed to be written.
    const ordered = [...plan.changes].sort((a, b) => Number(a.type === 'modify') - Number(b.type === 'modify'));
    for (const change of ordered) {
      const file = resolveInside(plan.root, change.path);
      if (change.type === 'add') {
        // mkdirSync returns the first directory it had to create: undoing removes it whole.
        const createdDirectory = mkdirSync(path.dirname(file), { recursive: true });
        if (createdDirectory !== undefined) undo.push(() => rmSync(createdDirectory, { recursive: true, force: true }));
        writeFileSync(file, change.content, { flag: 'wx', mode: change.mode });
        undo.push(() => rmSync(file, { force: true }));
      } else {
        writeFileSync(file, change.content);
        undo.push(() => writeFileSync(file, change.before));
      }
    }
  } catch (error) {
    for (const step of undo.reverse()) step();
    throw error;
  }
  return plan.changes.map((change) => change.path);
}

/** The absolute path of `relative` under `root`; throws when it would leave the root. */
export function resolveInside(root: string, relative: string): string {
  const resolved = path.resolve(root, relative);
  const fromRoot = path.relative(path.resolve(root), resolved);
  if (fromRoot === '' || fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) {
    throw new PlanError(`${relative} is outside ${root}`);
  }
  return resolved;
}
