/**
 * Renders a service as the generators would write it: the template (a
 * directory, or `template/` at a commit of the generator's repository) copied
 * under the service's name, then every later generator run of the service's
 * history replayed with today's generator code. Rendering the recorded
 * template and the current one this way gives the base and theirs of a
 * three-way merge; the generator code is the same on both sides, so only the
 * template's changes differ between them.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { planChecker } from '../checker-plan.js';
import { planModel } from '../model-plan.js';
import { planModule } from '../module-plan.js';
import { applyPlan } from '../plan.js';
import { serviceDir } from '../service-plan.js';
import { isCopied, isText, readTemplate, renderTemplate, type TemplateFile } from '../template-files.js';
import type { Tree } from './types.js';
import { UpgradeError } from './errors.js';
import { filesAt } from './git.js';
import { PROVENANCE_FILE, type HistoryEntry } from './provenance.js';

/** Where a template is read from. */
export type TemplateSource = { dir: string } | { repository: string; commit: string; prefix: string };

export interface RenderedService {
  /** The template alone, as the service generator copied it: what the provenance's hashes cover. */
  template: TemplateFile[];
  /** The whole service after the history, `.generator.json` aside. */
  tree: Tree;
  /** File modes of the template's files, for files an upgrade adds. */
  modes: ReadonlyMap<string, number>;
}

/** The template's files under the service's name. */
export function renderTemplateFrom(source: TemplateSource, name: string): TemplateFile[] {
  if ('dir' in source) return readTemplate(source.dir, name);
  const files = filesAt(source.repository, source.commit, source.prefix);
  if (files.length === 0) throw new UpgradeError(`commit ${source.commit} has no ${source.prefix || 'template'}`);
  return renderTemplate(files, name);
}

/** The template rendered, then the history after its first (`service`) entry replayed in a scratch directory. */
export function renderService(source: TemplateSource, history: readonly HistoryEntry[]): RenderedService {
  const [first, ...later] = history;
  if (first?.generator !== 'service' || first.answers.name === undefined) {
    throw new UpgradeError(`the history does not start with the service generator: ${JSON.stringify(first)}`);
  }
  const name = first.answers.name;
  const template = renderTemplateFrom(source, name);
  const modes = new Map(template.map((file) => [file.path, file.mode]));
  if (later.length === 0) return { template, tree: new Map(template.map((file) => [file.path, file.content])), modes };

  const root = mkdtempSync(path.join(tmpdir(), 'upgrade-render-'));
  try {
    const dir = path.join(root, serviceDir(name));
    for (const file of template) {
      mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
      writeFileSync(path.join(dir, file.path), file.content);
    }
    writeFileSync(path.join(dir, PROVENANCE_FILE), `${JSON.stringify({ history: [first] }, null, 2)}\n`);
    for (const entry of later) applyPlan(replayPlan(root, name, entry));
    const tree = readServiceTree(dir);
    (tree as Map<string, unknown>).delete(PROVENANCE_FILE);
    return { template, tree, modes };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function replayPlan(root: string, service: string, entry: HistoryEntry) {
  const name = entry.answers.name ?? '';
  switch (entry.generator) {
    case 'checker':
      return planChecker({ root, service, name });
    case 'model':
      return planModel({ root, service, name, migration: entry.answers.migration });
    case 'module':
      return planModule({
        root,
        service,
        name,
        migration: entry.answers.migration,
        uniqueMigration: entry.answers.uniqueMigration,
      });
    default:
      throw new UpgradeError(`the history names a generator this version does not know: ${entry.generator}`);
  }
}

/**
 * The files of a service directory as an upgrade sees them: what the
 * generator would copy (no node_modules, dist, .data, .env, logs), text as
 * strings and anything else as bytes.
 */
export function readServiceTree(dir: string): Map<string, string | Buffer> {
  const tree = new Map<string, string | Buffer>();
  const walk = (relativeDir: string) => {
    for (const entry of readdirSync(path.join(dir, relativeDir), { withFileTypes: true })) {
      const relative = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (isCopied(`${relative}/x`)) walk(relative);
      } else if (entry.isFile() && isCopied(relative)) {
        const raw = readFileSync(path.join(dir, relative));
        tree.set(relative, isText(raw) ? raw.toString('utf8') : raw);
      }
    }
  };
  walk('');
  return new Map([...tree].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
