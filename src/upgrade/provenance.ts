/**
 * `services/<name>/.generator.json`: where a service came from, precisely
 * enough to render that origin again for a three-way upgrade. It holds nothing
 * volatile (no date), and is written with sorted file hashes, two-space indent
 * and a final newline, so the same origin always gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PlanError, type FileChange } from '../plan.js';
import type { TemplateFile } from '../template-files.js';
import { UpgradeError } from './errors.js';
import { repositoryOf, treeAt, uncommitted, git } from './git.js';

export const PROVENANCE_FILE = '.generator.json';

/** One generator run on the service, with the answers that replay it. */
export interface HistoryEntry {
  /** `service`, `checker`, `model`, `module`. */
  generator: string;
  /** `{ name }`; a model (and a module) also records its migrations' file names, which carry a timestamp. */
  answers: Record<string, string>;
}

/** The template's git commit and tree, recorded only when `template/` had no uncommitted change. */
export interface TemplateOrigin {
  commit?: string;
  tree?: string;
}

export interface Provenance {
  generator: string;
  version: string;
  template: TemplateOrigin;
  /** sha256 of every file the template rendered (before any later generator), by path in the service. */
  files: Record<string, string>;
  history: HistoryEntry[];
}

/** The commit and tree of `templateDir`, or nothing when it is outside git or has uncommitted changes. */
export function templateOrigin(templateDir: string): TemplateOrigin {
  const repository = repositoryOf(templateDir);
  if (repository === undefined || uncommitted(templateDir).length > 0) return {};
  const commit = git(templateDir, ['rev-parse', 'HEAD']).toString('utf8').trim();
  return { commit, tree: treeAt(templateDir, commit, repository.prefix) };
}

/** sha256 of each rendered file, by path, sorted. */
export function fileHashes(files: readonly Pick<TemplateFile, 'path' | 'content'>[]): Record<string, string> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return Object.fromEntries(sorted.map((file) => [file.path, createHash('sha256').update(file.content).digest('hex')]));
}

/** The file's text: fixed key order, hashes sorted by path, two-space indent, final newline. */
export function formatProvenance(provenance: Provenance): string {
  const template: TemplateOrigin = {};
  if (provenance.template.commit !== undefined) template.commit = provenance.template.commit;
  if (provenance.template.tree !== undefined) template.tree = provenance.template.tree;
  const files = Object.fromEntries(Object.entries(provenance.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const history = provenance.history.map((entry) => ({
    generator: entry.generator,
    answers: Object.fromEntries(Object.entries(entry.answers)),
  }));
  return `${JSON.stringify({ generator: provenance.generator, version: provenance.version, template, files, history }, null, 2)}\n`;
}

/**
 * Reads a provenance file, including one written before provenance recorded
 * the template (version 0.1.0: `command` and `answers` only), which becomes a
 * provenance with no template commit, no hashes and a one-entry history.
 */
export function parseProvenance(text: string, file: string): Provenance {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UpgradeError(`${file} is not valid JSON (${(error as Error).message}); restore it from git`);
  }
  const value = (raw ?? {}) as Record<string, unknown>;
  const history = Array.isArray(value.history)
    ? (value.history as unknown[]).map((entry) => historyEntry(entry, file))
    : typeof value.command === 'string'
      ? [historyEntry({ generator: value.command, answers: value.answers }, file)]
      : [];
  const template = (value.template ?? {}) as Record<string, unknown>;
  return {
    generator: typeof value.generator === 'string' ? value.generator : '',
    version: typeof value.version === 'string' ? value.version : '',
    template: {
      ...(typeof template.commit === 'string' ? { commit: template.commit } : {}),
      ...(typeof template.tree === 'string' ? { tree: template.tree } : {}),
    },
    files: typeof value.files === 'object' && value.files !== null ? (value.files as Record<string, string>) : {},
    history,
  };
}

function historyEntry(entry: unknown, file: string): HistoryEntry {
  const { generator, answers } = (entry ?? {}) as { generator?: unknown; answers?: unknown };
  if (typeof generator !== 'string' || typeof answers !== 'object' || answers === null) {
    throw new UpgradeError(`${file} has a history entry without a generator and its answers: ${JSON.stringify(entry)}`);
  }
  return { generator, answers: Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, String(v)])) };
}

/** The provenance of a service, from its directory. */
export function readProvenance(serviceDir: string): Provenance {
  const file = path.join(serviceDir, PROVENANCE_FILE);
  if (!existsSync(file))
    throw new UpgradeError(`${file} is missing: this service was not generated here, or the file was removed`);
  return parseProvenance(readFileSync(file, 'utf8'), file);
}

/**
 * The change a checker or model generator makes to the provenance: its run
 * appended to the history. None when the service has no provenance file.
 */
export function historyChange(root: string, serviceDir: string, entry: HistoryEntry): FileChange[] {
  const relative = `${serviceDir}/${PROVENANCE_FILE}`;
  const file = path.join(root, relative);
  if (!existsSync(file)) return [];
  const before = readFileSync(file, 'utf8');
  let provenance: Provenance;
  try {
    provenance = parseProvenance(before, relative);
  } catch (error) {
    throw new PlanError(`${(error as Error).message}; nothing was written`);
  }
  // A provenance of 0.1.0 is rewritten in today's form (its date dropped): still no template commit, so upgrade asks for --from.
  const content = formatProvenance({ ...provenance, history: [...provenance.history, entry] });
  return [{ type: 'modify', path: relative, before, content }];
}
