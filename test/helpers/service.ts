import path from 'node:path';
import { applyPlan } from '../../src/plan.js';
import { planService } from '../../src/service-plan.js';

/** The repository's real template. */
export const TEMPLATE_DIR = path.resolve(import.meta.dirname, '../../template');

export const GENERATOR = { name: 'test-generator', version: '1.2.3' };

/** Writes `services/<name>/` from the real template into `root`, as the service generator does. */
export function makeService(root: string, name: string): string {
  applyPlan(planService({ root, templateDir: TEMPLATE_DIR, name, generator: GENERATOR }));
  return path.join(root, 'services', name);
}
