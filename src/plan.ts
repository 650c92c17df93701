import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

/**
 * One file the generator changes: a new file, a new content for an existing
 * one, or an existing file removed. `before` is what the file held when the
 * plan was made: the plan is refused if it changed since, and a failed apply
 * puts it back.
 */
export type FileChange =
  | { type: 'add'; path: string; content: string | Buffer; mode?: number }
  | { type: 'modify'; path: string; before: string | Buffer; content: string | Buffer }
  | { type: 'delete'; path: string; before: string | Buffer; content?: undefined };

/** The writes `applyPlan` makes, replaceable in tests to make one of them fail. */
export interface PlanFs {
  writeFileSync: typeof nodeFs.writeFileSync;
  rmSync: typeof nodeFs.rmSync;
}

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
    if (change.type !== 'add' && !holds(target, change.before)) {
      problems.push(`${change.path} changed while the generator ran`);
    }
  }
  const paths = plan.changes.map((change) => change.path);
  const twice = paths.filter((file, index) => paths.indexOf(file) !== index);
  if (twice.length > 0) problems.push(`${[...new Set(twice)].join(', ')} planned twice`);
  if (problems.length > 0) throw new PlanError(`${problems.join('; ')}; nothing was written`);
}

/** Whether the file exists and holds exactly `content`. */
function holds(file: string, content: string | Buffer): boolean {
  if (!existsSync(file) || !statSync(file).isFile()) return false;
  const raw = readFileSync(file);
  return typeof content === 'string'
    ? raw.toString('utf8') === content && Buffer.byteLength(content) === raw.length
    : raw.equals(content);
}

/**
 * Checks, then writes the plan. A new directory is written to a staging
 * directory beside it and renamed into place; changes to an existing tree are
 * undone if any write fails. Returns the paths written, relative to the root.
 */
export function applyPlan(plan: Plan, fs: PlanFs = nodeFs): string[] {
  checkPlan(plan);
  return plan.newDirectory === undefined ? applyInPlace(plan, fs) : applyAsNewDirectory(plan, plan.newDirectory);
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

/** New files first, then removals, then changes to existing ones: a marker insertion never points at a file that failed to be written. */
const ORDER: Record<FileChange['type'], number> = { add: 0, delete: 1, modify: 2 };

function applyInPlace(plan: Plan, fs: PlanFs): string[] {
  const undo: (() => void)[] = [];
  try {
    const ordered = [...plan.changes].sort((a, b) => ORDER[a.type] - ORDER[b.type]);
    for (const change of ordered) {
      const file = resolveInside(plan.root, change.path);
      if (change.type === 'add') {
        // mkdirSync returns the first directory it had to create: undoing removes it whole.
        const createdDirectory = mkdirSync(path.dirname(file), { recursive: true });
        if (createdDirectory !== undefined) undo.push(() => rmSync(createdDirectory, { recursive: true, force: true }));
        fs.writeFileSync(file, change.content, { flag: 'wx', mode: change.mode });
        undo.push(() => rmSync(file, { force: true }));
      } else if (change.type === 'modify') {
        undo.push(() => writeFileSync(file, change.before));
        fs.writeFileSync(file, change.content);
      } else {
        const mode = statSync(file).mode & 0o777;
        undo.push(() => {
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, change.before, { mode });
        });
        fs.rmSync(file);
        removeEmptyParents(plan.root, file);
      }
    }
  } catch (error) {
    for (const step of undo.reverse()) step();
    throw error;
  }
  return plan.changes.map((change) => change.path);
}

/** A directory left empty by a removal goes too, as git would not keep it; never the root. */
function removeEmptyParents(root: string, file: string): void {
  const top = path.resolve(root);
  for (let dir = path.dirname(file); dir !== top && dir.startsWith(top + path.sep); dir = path.dirname(dir)) {
    if (readdirSync(dir).length > 0) return;
    rmdirSync(dir);
  }
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
