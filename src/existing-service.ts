import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { assertName, serviceNameProblem } from './names.js';
import { PlanError } from './plan.js';
import { serviceDir } from './service-plan.js';

/**
 * The directory of a service that must already exist, relative to the root;
 * throws with the command that would create it when it does not.
 */
export function existingService(root: string, name: string): string {
  assertName(serviceNameProblem(name));
  const dir = serviceDir(name);
  if (!existsSync(path.join(root, dir, 'package.json'))) {
    throw new PlanError(`no service at ${dir}; create it first with: npx plop service ${name}`);
  }
  return dir;
}

/**
 * Why `plop service <name>` cannot write `services/<name>` when a service is
 * already there without its dependencies (written with --skip-install, or by
 * a generator older than the install-then-rename one, interrupted): the
 * command that finishes it. Undefined otherwise, for the plan's own check.
 */
export function uninstalledServiceProblem(root: string, name: string): string | undefined {
  const dir = serviceDir(name);
  if (!existsSync(path.join(root, dir, 'package.json')) || existsSync(path.join(root, dir, 'node_modules'))) {
    return undefined;
  }
  return `${dir} already exists; nothing was written. Its dependencies are not installed: cd ${dir} && npm install`;
}

export function readText(root: string, relative: string): string {
  const file = path.join(root, relative);
  if (!existsSync(file)) throw new PlanError(`${relative} is missing; nothing was written`);
  return readFileSync(file, 'utf8');
}
