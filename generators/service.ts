import type { NodePlopAPI } from 'plop';
import { serviceNameProblem } from '../src/names.js';
import { planActions, type RunOptions } from '../src/plan-actions.js';
import { uninstalledServiceProblem } from '../src/existing-service.js';
import { checkPlan, PlanError, type Plan } from '../src/plan.js';
import { installNewService, type Install } from '../src/service-install.js';
import { planService, serviceDir, serviceNextSteps } from '../src/service-plan.js';

export interface ServiceGeneratorOptions extends RunOptions {
  templateDir: string;
  generator: { name: string; version: string };
  /** Replaces `npm install` (tests). */
  install?: Install;
}

/**
 * `plop service <name>`: a copy of the template as `services/<name>/`,
 * installed. With the install, the service appears only once installed
 * (`installNewService`), so an interrupted or failed install leaves nothing
 * that would make the same command refuse.
 */
export function serviceGenerator(plop: NodePlopAPI, options: ServiceGeneratorOptions): void {
  plop.setActionType('install-service', (_answers, config) =>
    installNewService((config as unknown as { plan: Plan }).plan, options.install),
  );
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
      const uninstalled = uninstalledServiceProblem(root, name);
      if (uninstalled) throw new PlanError(uninstalled);
      if (options.dryRun || options.skipInstall) {
        return [
          ...planActions(plan, options, `${serviceDir(name)}, a copy of template/`),
          serviceNextSteps(name, options),
        ];
      }
      // Refuse now, in one line, rather than from the action.
      checkPlan(plan);
      return [{ type: 'install-service', plan } as never, serviceNextSteps(name, options)];
    },
  });
}
