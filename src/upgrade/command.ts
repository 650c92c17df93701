/**
 * `npx plop upgrade <service>`: brings the changes the template received since
 * the service was generated (or last upgraded) into the service, by a
 * three-way merge of the template as it was (base), the template as it is
 * (theirs) and the service (yours), each rendered with the service's history.
 * The result is one Plan, applied all or nothing.
 *
 * Exit codes: 0 done (or current, for --check); 1 conflicts written (or, for
 * --check, the service is behind or holds conflict markers); 2 refused or
 * failed, with nothing written.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { existingService } from '../existing-service.js';
import { assertName, InvalidNameError, serviceNameProblem } from '../names.js';
import { npmInstall } from '../plan-actions.js';
import { applyPlan, PlanError, type PlanFs } from '../plan.js';
import { UpgradeError } from './errors.js';
import { isTracked, repositoryOf, resolveCommit, short, subjects, uncommitted } from './git.js';
import { mergeTrees } from './merge-tree.js';
import {
  fileHashes,
  formatProvenance,
  PROVENANCE_FILE,
  readProvenance,
  templateOrigin,
  type Provenance,
} from './provenance.js';
import { readServiceTree, renderService } from './render.js';
import { countsLine, needsAttention, statusLines, summary } from './summary.js';
import type { FileOutcome, Tree } from './types.js';
import { planUpgrade } from './upgrade-plan.js';

export interface UpgradeOptions {
  /** The directory holding `services/` (plop's `--dest`). */
  root: string;
  /** The generator's `template/`, inside the generator's git repository. */
  templateDir: string;
  generator: { name: string; version: string };
  service: string;
  /** Print what would change; write nothing. */
  dryRun?: boolean;
  /** Write nothing; exit 0 when current, 1 when behind or holding conflict markers. */
  check?: boolean;
  skipInstall?: boolean;
  /** The template commit the service came from, when its provenance does not say (or says wrong). */
  from?: string;
  /** Runs `npm install` in the service; replaceable in tests. */
  install?: (dir: string) => Promise<void>;
  /** The writes of the plan; replaceable in tests to make one fail. */
  fs?: PlanFs;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/** package.json sections whose change needs `npm install`. */
const DEPENDENCY_SECTIONS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'overrides',
];

const CONFLICT_MARKER = /^<<<<<<< yours/m;

/** Runs the upgrade and returns the exit code; never throws. */
export async function upgrade(options: UpgradeOptions): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  try {
    return await run(options, out);
  } catch (error) {
    if (error instanceof UpgradeError || error instanceof PlanError || error instanceof InvalidNameError) {
      err(`upgrade: ${error.message}`);
      return 2;
    }
    err(`upgrade: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 2;
  }
}

async function run(options: UpgradeOptions, out: (line: string) => void): Promise<number> {
  assertName(serviceNameProblem(options.service));
  const dir = existingService(options.root, options.service);
  const serviceAbs = path.join(options.root, dir);
  const writes = !options.dryRun && !options.check;
  if (writes) refuseUncommitted(serviceAbs, dir);

  const analysis = analyse(options, dir, serviceAbs);
  const { plan, outcomes, from, to } = analysis;
  const provenanceChanged = plan.changes.some((change) => change.path === `${dir}/${PROVENANCE_FILE}`);

  if (options.check) {
    const markers = [...analysis.yours]
      .filter(([, content]) => typeof content === 'string' && CONFLICT_MARKER.test(content))
      .map(([file]) => file);
    if (plan.changes.length === 0 && markers.length === 0) {
      out(`${dir} is current with template ${to}.`);
      return 0;
    }
    if (plan.changes.length > 0) {
      out(`${dir} is behind: template ${from} → ${to}; run npx plop upgrade ${options.service}.`);
      for (const line of statusLines(outcomes, provenanceChanged, PROVENANCE_FILE)) out(`  ${line}`);
    }
    if (markers.length > 0) out(`${dir} has unresolved conflict markers (<<<<<<< yours) in: ${markers.join(', ')}.`);
    return 1;
  }

  if (options.dryRun) {
    out(`Upgrade of ${dir} from template ${from} to ${to} (dry run, nothing written):`);
    for (const line of statusLines(outcomes, provenanceChanged, PROVENANCE_FILE)) out(`  ${line}`);
    out(`Counts: ${countsLine(outcomes)}.`);
    return 0;
  }

  if (plan.changes.length === 0) {
    out(`${dir} is current with template ${to}; nothing written.`);
    return 0;
  }
  applyPlan(plan, options.fs);

  let install = 'not needed (dependencies unchanged)';
  if (analysis.dependenciesChanged) {
    if (options.skipInstall) install = `skipped (--skip-install): run npm install in ${dir}`;
    else {
      await (options.install ?? npmInstall)(serviceAbs);
      install = 'ran, dependencies changed';
    }
  }
  for (const line of summary({
    dir,
    from,
    to,
    releaseNotes: analysis.releaseNotes,
    outcomes,
    provenanceChanged,
    provenanceFile: PROVENANCE_FILE,
    install,
    warnings: analysis.warnings,
  })) {
    out(line);
  }
  return outcomes.some(needsAttention) ? 1 : 0;
}

function refuseUncommitted(serviceAbs: string, dir: string): void {
  if (repositoryOf(serviceAbs) === undefined) {
    throw new UpgradeError(
      `${dir} is not in a git repository: commit it to one first, so the upgrade's changes can be reviewed and undone`,
    );
  }
  if (!isTracked(serviceAbs)) {
    throw new UpgradeError(
      `${dir} is not committed to git (never added, or ignored): commit it first, so the upgrade's changes can be reviewed and undone`,
    );
  }
  const dirty = uncommitted(serviceAbs);
  if (dirty.length > 0) {
    throw new UpgradeError(
      `${dir} has uncommitted changes (${dirty.length}: ${dirty.slice(0, 3).join(', ')}${dirty.length > 3 ? ', …' : ''}); commit or stash them first, so the upgrade's changes can be reviewed and undone`,
    );
  }
}

interface Analysis {
  plan: ReturnType<typeof planUpgrade>;
  outcomes: FileOutcome[];
  yours: Tree;
  from: string;
  to: string;
  releaseNotes: string[];
  dependenciesChanged: boolean;
  warnings: string[];
}

/** Renders base and theirs, merges them with the service, and plans the result; reads, never writes. */
function analyse(options: UpgradeOptions, dir: string, serviceAbs: string): Analysis {
  const provenanceText = readFileSync(path.join(serviceAbs, PROVENANCE_FILE), 'utf8');
  const provenance = readProvenance(serviceAbs);
  const hint = `find the template commit it came from with \`git log --oneline -- template/\` in the generator's repository, then run: npx plop upgrade ${options.service} --from <commit>`;
  const repository = repositoryOf(options.templateDir);
  if (repository === undefined) {
    throw new UpgradeError(
      `the template at ${options.templateDir} is not in a git repository, so no earlier template can be read`,
    );
  }
  const recorded = options.from ?? provenance.template.commit;
  if (recorded === undefined) {
    throw new UpgradeError(
      `${dir}/${PROVENANCE_FILE} records no template commit (it was generated before provenance did, or from a template with uncommitted changes); ${hint}`,
    );
  }
  let baseCommit: string;
  try {
    baseCommit = resolveCommit(options.templateDir, recorded);
  } catch (error) {
    throw new UpgradeError(`${(error as Error).message}; ${hint}`);
  }
  const base = renderService(
    { repository: repository.top, commit: baseCommit, prefix: repository.prefix },
    provenance.history,
  );
  const recordedHashes = Object.keys(provenance.files).length > 0 ? provenance.files : undefined;
  if (recordedHashes !== undefined) {
    const differing = differences(fileHashes(base.template), recordedHashes);
    if (differing.length > 0) {
      throw new UpgradeError(
        `template ${short(baseCommit)} does not reproduce the files recorded in ${dir}/${PROVENANCE_FILE} (${differing.length} differ: ${differing.slice(0, 3).join(', ')}${differing.length > 3 ? ', …' : ''}); ${hint}`,
      );
    }
  }

  const origin = templateOrigin(options.templateDir);
  const theirs = renderService({ dir: options.templateDir }, provenance.history);
  const warnings: string[] = [];
  if (origin.commit === undefined) {
    warnings.push(
      `Warning: ${repository.prefix || 'the template'} has uncommitted changes, so ${PROVENANCE_FILE} records no commit; commit the template and upgrade again, or the next upgrade will need --from.`,
    );
  }
  const to = origin.commit !== undefined ? short(origin.commit) : 'working tree';
  const theirHashes = fileHashes(theirs.template);
  const templateUnchanged = recordedHashes !== undefined && differences(theirHashes, recordedHashes).length === 0;
  const current: Provenance = {
    generator: options.generator.name,
    version: options.generator.version,
    template: origin,
    files: theirHashes,
    history: provenance.history,
  };
  // The same template keeps the recorded provenance, commit included: a commit
  // elsewhere in the generator's repository does not make the service behind.
  const after =
    templateUnchanged && provenance.template.commit !== undefined && options.from === undefined
      ? provenanceText
      : formatProvenance(current);

  const yours = readServiceTree(serviceAbs);
  const outcomes = mergeTrees({
    base: base.tree,
    theirs: theirs.tree,
    yours,
    labels: { yours: 'yours', base: `template ${short(baseCommit)}`, theirs: `template ${to}` },
  });
  const plan = planUpgrade({
    root: options.root,
    dir,
    yours,
    outcomes,
    modes: theirs.modes,
    provenance: { path: PROVENANCE_FILE, before: provenanceText, after },
  });
  const packageJson = outcomes.find((outcome) => outcome.path === 'package.json' && outcome.content !== undefined);
  const releaseNotes =
    origin.commit !== undefined && origin.commit !== baseCommit
      ? subjects(options.templateDir, baseCommit, origin.commit, repository.prefix)
      : origin.commit === undefined
        ? [
            ...subjects(options.templateDir, baseCommit, 'HEAD', repository.prefix),
            '(uncommitted changes to the template)',
          ]
        : [];
  return {
    plan,
    outcomes,
    yours,
    from: short(baseCommit),
    to,
    releaseNotes,
    dependenciesChanged:
      packageJson !== undefined && dependenciesDiffer(yours.get('package.json'), packageJson.content),
    warnings,
  };
}

/** Paths whose hash differs, or that only one side has. */
function differences(a: Record<string, string>, b: Record<string, string>): string[] {
  const paths = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...paths].filter((file) => a[file] !== b[file]).sort();
}

function dependenciesDiffer(before: string | Buffer | undefined, after: string | Buffer | undefined): boolean {
  const sections = (text: string | Buffer | undefined) => {
    try {
      const pkg = JSON.parse(String(text ?? '{}')) as Record<string, unknown>;
      return JSON.stringify(DEPENDENCY_SECTIONS.map((section) => pkg[section] ?? null));
    } catch {
      return undefined;
    }
  };
  const a = sections(before);
  const b = sections(after);
  return a === undefined || b === undefined || a !== b;
}
