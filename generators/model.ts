import type { NodePlopAPI } from 'plop';
import { planModel } from '../src/model-plan.js';
import { modelNameProblem, serviceNameProblem } from '../src/names.js';
import { planActions, type RunOptions } from '../src/plan-actions.js';

/** `plop model <service> <ModelName>`: an Objection model, its migration and a test. */
export function modelGenerator(plop: NodePlopAPI, options: RunOptions): void {
  plop.setGenerator('model', {
    description: 'an Objection model and its migration in services/<service>',
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
        message: 'Model name (PascalCase, e.g. Order)',
        validate: (value: unknown) => modelNameProblem(value) ?? true,
      },
    ],
    actions: (answers) =>
      planActions(
        planModel({
          root: plop.getDestBasePath(),
          service: String(answers?.service ?? ''),
          name: String(answers?.name ?? ''),
        }),
        options,
      ),
  });
}
