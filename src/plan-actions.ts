import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ActionType, NodePlopAPI } from 'plop';
import { applyPlan, checkPlan, type Plan } from './plan.js';

export interface RunOptions {
  /** Print what would be written, write nothing. */
  dryRun: boolean;
  /** Do not run `npm install` in a new service. */
  skipInstall: boolean;
}

/**
 * The action types every generator shares. A plan is applied by one action
 * (all or nothing), then each file is listed on a line of its own.
 */
export function registerPlanActions(plop: NodePlopAPI): void {
  plop.setActionType('write', (_answers, config) => {
    const plan = (config as unknown as { plan: Plan }).plan;
    const written = applyPlan(plan);
    return `${written.length} files, all or nothing`;
  });
  plop.setActionType('dry-run', (_answers, config) => {
    const plan = (config as unknown as { plan: Plan }).plan;
    return `${plan.changes.length} files planned, nothing written`;
  });
  plop.setActionType('npm-install', (_answers, config) => {
    const dir = (config as unknown as { dir: string }).dir;
    return npmInstall(dir).then(() => `dependencies installed in ${path.basename(dir)}`);
  });
}

/** The actions of a plan: apply it (or not, on a dry run), then one line per file. */
export function planActions(plan: Plan, options: RunOptions): ActionType[] {
  // Refuse now, in one line, rather than from an action followed by aborted ones.
  checkPlan(plan);
  const verbs = { add: ['add', 'added'], modify: ['change', 'changed'], delete: ['delete', 'deleted'] } as const;
  const lines = plan.changes.map((change) =>
    options.dryRun ? `would ${verbs[change.type][0]} ${change.path}` : `${verbs[change.type][1]} ${change.path}`,
  );
  return [{ type: options.dryRun ? 'dry-run' : 'write', plan } as unknown as ActionType, ...lines];
}

/** `npm install` in `dir`, rejecting with the last line npm printed when it fails. */
export function npmInstall(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `npm install failed in ${dir} (exit ${code}); run it there yourself. ${stderr.trim().split('\n').at(-1) ?? ''}`,
            ),
          ),
    );
  });
}
