import type { FileChange, Plan } from '../plan.js';
import type { FileOutcome, Tree } from './types.js';

export interface UpgradePlanInput {
  /** The directory holding `services/`. */
  root: string;
  /** The service's directory relative to the root, `services/<name>`. */
  dir: string;
  /** The service as it is now. */
  yours: Tree;
  /** What the merge decided, file by file. */
  outcomes: readonly FileOutcome[];
  /** Modes of the template's files, for the files the upgrade adds. */
  modes: ReadonlyMap<string, number>;
  /** The provenance file as it is, and as the upgrade rewrites it (the same text when nothing changes). */
  provenance: { path: string; before: string; after: string };
}

/**
 * The merge's outcomes as one Plan: a content written to a path that exists
 * is a modify, to a new path an add; a removal or a move's old path a delete;
 * and the provenance rewritten last. A content equal to what is there is no
 * change at all, so a second upgrade plans nothing.
 */
export function planUpgrade(input: UpgradePlanInput): Plan {
  const changes: FileChange[] = [];
  const at = (file: string) => `${input.dir}/${file}`;
  const remove = (file: string) => {
    const before = input.yours.get(file);
    if (before !== undefined && !changes.some((change) => change.path === at(file))) {
      changes.push({ type: 'delete', path: at(file), before });
    }
  };
  for (const outcome of input.outcomes) {
    if (outcome.content !== undefined) {
      const before = input.yours.get(outcome.path);
      if (before === undefined) {
        changes.push({
          type: 'add',
          path: at(outcome.path),
          content: outcome.content,
          mode: input.modes.get(outcome.path),
        });
      } else if (!same(before, outcome.content)) {
        changes.push({ type: 'modify', path: at(outcome.path), before, content: outcome.content });
      }
    } else if (outcome.remove === true) {
      remove(outcome.path);
    }
    if (outcome.movedFrom !== undefined && outcome.movedFrom !== outcome.path) remove(outcome.movedFrom);
  }
  const { provenance } = input;
  if (provenance.after !== provenance.before) {
    changes.push({ type: 'modify', path: at(provenance.path), before: provenance.before, content: provenance.after });
  }
  return { root: input.root, changes };
}

function same(a: string | Buffer, b: string | Buffer): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}
