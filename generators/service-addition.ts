import type { NodePlopAPI } from 'plop';
import { serviceNameProblem } from '../src/names.js';
import { planActions, type RunOptions } from '../src/plan-actions.js';
import type { Plan } from '../src/plan.js';

/** What a generator that adds to an existing service declares; its prompts and wiring are the same for each. */
export interface ServiceAddition {
  /** The generator's name: `plop <name> <service> <thing>`. */
  name: string;
  description: string;
  /** The prompt for the thing's name, with an example. */
  nameMessage: string;
  /** Why a name is refused, or undefined when it is allowed. */
  nameProblem(value: unknown): string | undefined;
  /** Every file of the addition, planned before anything is written. */
  plan(input: { root: string; service: string; name: string }): Plan;
}

/**
 * Registers `plop <name> <service> <thing>`: both answers are validated at the
 * prompt (and again by the plan, for answers given on the command line), and
 * the plan writes all or nothing.
 */
export function setServiceAdditionGenerator(plop: NodePlopAPI, options: RunOptions, addition: ServiceAddition): void {
  plop.setGenerator(addition.name, {
    description: addition.description,
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
        message: addition.nameMessage,
        validate: (value: unknown) => addition.nameProblem(value) ?? true,
      },
    ],
    actions: (answers) =>
      planActions(
        addition.plan({
          root: plop.getDestBasePath(),
          service: String(answers?.service ?? ''),
          name: String(answers?.name ?? ''),
        }),
        options,
      ),
  });
}
