import path from 'node:path';
import type { NodePlopAPI } from 'plop';
import { serviceNameProblem } from '../src/names.js';
import { planActions, type RunOptions } from '../src/plan-actions.js';
import { planService, serviceDir, serviceNextSteps } from '../src/service-plan.js';

export interface ServiceGeneratorOptions extends RunOptions {
  templateDir: string;
  generator: { name: string; version: string };
}

/** `plop service <name>`: a copy of the template as `services/<name>/`, installed. */
export function serviceGenerator(plop: NodePlopAPI, options: ServiceGeneratorOptions): void {
  plop.setGenerator('service', {
    description: 'a new Koa service in services/<name>',
    prompts: [
      {
        type: 'input',
        name: 'name',
        message: 'Service name (kebab-case, e.g. orders)',
        validate: (value: unknown) => serviceNameProblem(value) ?? true,
      },
    ],
    actions: (answers) => {
      const name = String(answers?.name ?? '');
      const root = plop.getDestBasePath();
      const plan = planService({ root, templateDir: options.templateDir, name, generator: options.generator });
      const actions = planActions(plan, options, `${serviceDir(name)}, a copy of template/`);
      if (!options.dryRun && !options.skipInstall) {
        actions.push({ type: 'npm-install', dir: path.join(root, serviceDir(name)) } as never);
      }
      actions.push(serviceNextSteps(name, options));
      return actions;
    },
  });
}
