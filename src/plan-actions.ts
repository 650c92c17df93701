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

/** Past this many files, a plan is summed up in one line rather than listed (a dry run lists every file). */
export const LISTED_FILES_MAX = 10;

/**
 * The action types every generator shares. A plan is applied by one action
 * (all or nothing) whose line sums it up; a short plan then lists its files.
 */
export function registerPlanActions(plop: NodePlopAPI): void {
  plop.setActionType('write', (_answers, config) => {
    const { plan, what } = config as unknown as { plan: Plan; what?: string };
    const written = applyPlan(plan);
    return `${what ? `${what}: ` : ''}${written.length} files, all or nothing`;
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

/**
 * The actions of a plan: apply it (or not, on a dry run), then one line per
 * file when the plan is short or a dry run. `what` names the result in the
 * summary line (`services/orders, a copy of template/`).
 */
export function planActions(plan: Plan, options: RunOptions, what?: string): ActionType[] {
  // Refuse now, in one line, rather than from an action followed by aborted ones.
  checkPlan(plan);
  const verbs = { add: ['add', 'added'], modify: ['change', 'changed'], delete: ['delete', 'deleted'] } as const;
  const listed = options.dryRun || plan.changes.length <= LISTED_FILES_MAX;
  const lines = listed
    ? plan.changes.map((change) =>
        options.dryRun ? `would ${verbs[change.type][0]} ${change.path}` : `${verbs[change.type][1]} ${change.path}`,
      )
    : [];
  const apply = options.dryRun ? { type: 'dry-run', plan } : { type: 'write', plan, ...(what ? { what } : {}) };
  return [apply, ...lines];
}

/** `npm install` failed or was stopped; `detail` says how (its exit and npm's reason). */
export class NpmInstallError extends Error {
  override name = 'NpmInstallError';
  constructor(
    readonly dir: string,
    readonly detail: string,
  ) {
    super(`npm install failed in ${dir} (${detail}); run it there yourself.`);
  }
}

/**
 * `npm install` in `dir`, rejecting with npm's reason when it fails. Aborting `signal` stops npm; the promise settles only once npm has
 * exited, so the caller may then remove `dir`.
 */
export function npmInstall(dir: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new NpmInstallError(dir, 'stopped before it started'));
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const stop = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', stop, { once: true });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', stop);
      if (code === 0) return resolve();
      const exit = killedBy ? `stopped by ${killedBy}` : `exit ${code}`;
      const reason = npmReason(stderr);
      reject(new NpmInstallError(dir, reason ? `${exit}: ${reason}` : exit));
    });
  });
}

/**
 * The line of npm's error output that says why: its first `npm error` line
 * past the code, errno and syscall ones (its last line only points at a log).
 */
function npmReason(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((line) => line.trim());
  const reason = lines.find(
    (line) => /^npm (error|ERR!) /.test(line) && !/^npm (error|ERR!) (code|errno|syscall) /.test(line),
  );
  return reason ?? lines.filter(Boolean).at(-1);
}
