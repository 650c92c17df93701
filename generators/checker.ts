import type { NodePlopAPI } from 'plop';
import { planChecker } from '../src/checker-plan.js';
import { checkerNameProblem } from '../src/names.js';
import type { RunOptions } from '../src/plan-actions.js';
import { setServiceAdditionGenerator } from './service-addition.js';

/** `plop checker <service> <name>`: a stub readiness check with its test, registered in the service. */
export function checkerGenerator(plop: NodePlopAPI, options: RunOptions): void {
  setServiceAdditionGenerator(plop, options, {
    name: 'checker',
    description: 'a readiness check in services/<service>/src/checks/<name>.ts',
    nameMessage: 'Checker name (kebab-case, e.g. payments-api)',
    nameProblem: checkerNameProblem,
    plan: planChecker,
  });
}
