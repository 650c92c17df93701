import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { planChecker } from '../../../src/checker-plan.js';
import { planModel } from '../../../src/model-plan.js';
import { applyPlan } from '../../../src/plan.js';
import { planService } from '../../../src/service-plan.js';
import { upgrade, type UpgradeOptions } from '../../../src/upgrade/command.js';

/**
 * A real generator repository and a real project repository, in temporary
 * directories: the generator (plopfile, generators, src, template) copied
 * and committed, so that its template can change between two commits; the
 * project holds the services generated from it.
 */

const REPO = path.resolve(import.meta.dirname, '../../..');
export const GENERATOR = { name: 'koa-service-generator', version: '0.2.0' };
const COPIED = ['plopfile.js', 'package.json', 'generators', 'src', 'template'];
const NOT_COPIED = new Set(['node_modules', 'dist', '.data', 'coverage', '.scratch']);

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export interface UpgradeRun {
  code: number;
  out: string[];
  err: string[];
  /** Directories `npm install` was asked to run in. */
  installs: string[];
}

/** A later generator run: a checker, or a model at a fixed time (its migration's timestamp). */
export type Extension = { checker: string } | { model: string; now: Date };

export class Fixture {
  readonly generator: string;
  readonly templateDir: string;
  readonly project: string;
  /** The generator's first commit. */
  readonly first: string;

  /**
   * `olderTemplate`, when given, replaces the copied `template/` before the
   * first commit (for example with an older commit of this repository's).
   */
  constructor(dir: string, options: { olderTemplate?: (templateDir: string) => void } = {}) {
    this.generator = path.join(dir, 'generator');
    this.templateDir = path.join(this.generator, 'template');
    this.project = path.join(dir, 'project');
    mkdirSync(this.generator);
    for (const entry of COPIED) {
      cpSync(path.join(REPO, entry), path.join(this.generator, entry), {
        recursive: true,
        filter: (source) => !NOT_COPIED.has(path.basename(source)),
      });
    }
    symlinkSync(path.join(REPO, 'node_modules'), path.join(this.generator, 'node_modules'));
    writeFileSync(path.join(this.generator, '.gitignore'), '/node_modules\n');
    options.olderTemplate?.(this.templateDir);
    git(this.generator, 'init', '-q', '-b', 'main');
    git(this.generator, 'add', '-A');
    git(this.generator, 'commit', '-q', '-m', 'Generator as copied');
    this.first = git(this.generator, 'rev-parse', 'HEAD');
    mkdirSync(this.project);
    git(this.project, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(this.project, 'README.md'), 'a project\n');
    git(this.project, 'add', '-A');
    git(this.project, 'commit', '-q', '-m', 'Project');
  }

  // The template, in the generator's repository.
  templateText(file: string): string {
    return readFileSync(path.join(this.templateDir, file), 'utf8');
  }
  writeTemplate(file: string, content: string): void {
    mkdirSync(path.dirname(path.join(this.templateDir, file)), { recursive: true });
    writeFileSync(path.join(this.templateDir, file), content);
  }
  editTemplate(file: string, edit: (text: string) => string): void {
    this.writeTemplate(file, edit(this.templateText(file)));
  }
  removeTemplate(file: string): void {
    rmSync(path.join(this.templateDir, file));
  }
  renameTemplate(from: string, to: string): void {
    mkdirSync(path.dirname(path.join(this.templateDir, to)), { recursive: true });
    renameSync(path.join(this.templateDir, from), path.join(this.templateDir, to));
  }
  /** The repository's template as it is now, in place of the generator's. */
  useCurrentTemplate(): void {
    rmSync(this.templateDir, { recursive: true, force: true });
    cpSync(path.join(REPO, 'template'), this.templateDir, {
      recursive: true,
      filter: (source) => !NOT_COPIED.has(path.basename(source)),
    });
  }
  commitTemplate(message: string): string {
    git(this.generator, 'add', '-A');
    git(this.generator, 'commit', '-q', '-m', message);
    return git(this.generator, 'rev-parse', 'HEAD');
  }

  /** Generates a service into `root` (the project by default) with the real generators' functions, then commits. */
  generate(name = 'demo', extensions: readonly Extension[] = [], root = this.project): string {
    applyPlan(planService({ root, templateDir: this.templateDir, name, generator: GENERATOR }));
    for (const extension of extensions) {
      applyPlan(
        'checker' in extension
          ? planChecker({ root, service: name, name: extension.checker })
          : planModel({ root, service: name, name: extension.model, now: extension.now }),
      );
    }
    if (root === this.project) this.commitProject(`Generate ${name}`);
    return path.join(root, 'services', name);
  }

  // The service, in the project's repository.
  file(relative: string, service = 'demo'): string {
    return path.join(this.project, 'services', service, relative);
  }
  read(relative: string, service = 'demo'): string {
    return readFileSync(this.file(relative, service), 'utf8');
  }
  write(relative: string, content: string, service = 'demo'): void {
    mkdirSync(path.dirname(this.file(relative, service)), { recursive: true });
    writeFileSync(this.file(relative, service), content);
  }
  edit(relative: string, edit: (text: string) => string, service = 'demo'): void {
    this.write(relative, edit(this.read(relative, service)), service);
  }
  commitProject(message: string): void {
    git(this.project, 'add', '-A');
    git(this.project, 'commit', '-q', '--allow-empty', '-m', message);
  }

  /** The upgrade command, called as a function, with `npm install` observed instead of run. */
  async upgrade(options: Partial<UpgradeOptions> = {}, service = 'demo'): Promise<UpgradeRun> {
    const run: UpgradeRun = { code: -1, out: [], err: [], installs: [] };
    run.code = await upgrade({
      root: this.project,
      templateDir: this.templateDir,
      generator: GENERATOR,
      service,
      install: async (dir) => {
        run.installs.push(dir);
      },
      out: (line) => run.out.push(line),
      err: (line) => run.err.push(line),
      ...options,
    });
    return run;
  }

  /** The real command line: plop with this generator's plopfile, standard input closed. */
  plop(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return this.plopWith({}, ...args);
  }

  plopWith(
    env: Record<string, string>,
    ...args: string[]
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          path.join(REPO, 'node_modules/plop/bin/plop.js'),
          '--plopfile',
          path.join(this.generator, 'plopfile.js'),
          '--dest',
          this.project,
          ...args,
        ],
        { cwd: this.project, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
}
