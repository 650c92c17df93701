import type { NodePlopAPI } from 'plop';
import { moduleNameProblem, planModule } from '../src/module-plan.js';
import { serviceNameProblem } from '../src/names.js';
import { planActions, type RunOptions } from '../src/plan-actions.js';

/** `plop module <service> <ModelName>`: a database-backed resource with its routes, schemas, model and tests. */
export function moduleGenerator(plop: NodePlopAPI, options: RunOptions): void {
  plop.setGenerator('module', {
    description: 'a database-backed resource (CRUD routes, zod schemas, OpenAPI, model) in services/<service>',
    prompts: [
      {
        type: 'input',
        name: 'service',
        message: 'Service (a directory of services/)',
        validate: (value: unknown) => serviceNameProblem(value) ?? true,
      },
      {
        type: 'input',
        name: 'name',
        message: 'Model name (PascalCase, e.g. Order: routes under /orders)',
        validate: (value: unknown) => moduleNameProblem(value) ?? true,
      },
    ],
    actions: (answers) =>
      planActions(
        planModule({
          root: plop.getDestBasePath(),
          service: String(answers?.service ?? ''),
          name: String(answers?.name ?? ''),
        }),
        options,
      ),
  });
}
