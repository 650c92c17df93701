import type { NodePlopAPI } from 'plop';
import { moduleNameProblem, planModule } from '../src/module-plan.js';
import type { RunOptions } from '../src/plan-actions.js';
import { setServiceAdditionGenerator } from './service-addition.js';

/** `plop module <service> <ModelName>`: a database-backed resource with its routes, schemas, model and tests. */
export function moduleGenerator(plop: NodePlopAPI, options: RunOptions): void {
  setServiceAdditionGenerator(plop, options, {
    name: 'module',
    description: 'a database-backed resource (CRUD routes, zod schemas, OpenAPI, model) in services/<service>',
    nameMessage: 'Model name (PascalCase, e.g. Order: routes under /orders)',
    nameProblem: moduleNameProblem,
    plan: planModule,
  });
}
