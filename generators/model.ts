import type { NodePlopAPI } from 'plop';
import { planModel } from '../src/model-plan.js';
import { modelNameProblem } from '../src/names.js';
import type { RunOptions } from '../src/plan-actions.js';
import { setServiceAdditionGenerator } from './service-addition.js';

/** `plop model <service> <ModelName>`: an Objection model, its migration and a test. */
export function modelGenerator(plop: NodePlopAPI, options: RunOptions): void {
  setServiceAdditionGenerator(plop, options, {
    name: 'model',
    description: 'an Objection model and its migration in services/<service>',
    nameMessage: 'Model name (PascalCase, e.g. Order)',
    nameProblem: modelNameProblem,
    plan: planModel,
  });
}
