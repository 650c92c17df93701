import type { NodePlopAPI } from 'plop';
import { registerPlanActions } from '../src/plan-actions.js';
import { checkerGenerator } from './checker.js';
import { modelGenerator } from './model.js';
import { moduleGenerator } from './module.js';
import { serviceGenerator, type ServiceGeneratorOptions } from './service.js';
import { upgradeGenerator } from './upgrade.js';

export type GeneratorOptions = ServiceGeneratorOptions;

/** Registers every generator and the action types they share. */
export function registerGenerators(plop: NodePlopAPI, options: GeneratorOptions): void {
  registerPlanActions(plop);
  serviceGenerator(plop, options);
  checkerGenerator(plop, options);
  modelGenerator(plop, options);
  moduleGenerator(plop, options);
  upgradeGenerator(plop, options);
}
