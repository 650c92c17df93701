import type { NodePlopAPI } from 'plop';
import { planChecker } from '../src/checker-plan.js';
import { checkerNameProblem, serviceNameProblem } from '../src/names.js';
import { planActions, type RunOptions } from '../src/plan-actions.js';

/** `plop checker <service> <name>`: a stub readiness check with its test, registered in the service. */
export function checkerGenerator(plop: NodePlopAPI, options: RunOptions): void {
  plop.setGenerator('checker', {
    description: 'a readiness check in services/<service>/src/checks/<name>.ts',
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
        message: 'Checker name (kebab-case, e.g. payments-api)',
        validate: (value: unknown) => checkerNameProblem(value) ?? true,
      },
    ],
    actions: (answers) =>
      planActions(
        planChecker({
          root: plop.getDestBasePath(),
          service: String(answers?.service ?? ''),
          name: String(answers?.name ?? ''),
        }),
        options,
      ),
  });
}
