import { assertName, serviceNameProblem } from './names.js';
import type { Plan } from './plan.js';
import { readTemplate } from './template-files.js';

export interface ServicePlanInput {
  /** The directory that holds `services/`. */
  root: string;
  templateDir: string;
  name: string;
  generator: { name: string; version: string };
  now?: Date;
}

/** Where a service lives, relative to the root. */
export const serviceDir = (name: string): string => `services/${name}`;

/** The file recording where a service came from, for a future `upgrade` generator. */
export const PROVENANCE_FILE = '.generator.json';

/** A copy of the template as `services/<name>/`, plus its provenance file. */
export function planService(input: ServicePlanInput): Plan {
  assertName(serviceNameProblem(input.name));
  const dir = serviceDir(input.name);
  const provenance = {
    generator: input.generator.name,
    version: input.generator.version,
    generatedAt: (input.now ?? new Date()).toISOString(),
    command: 'service',
    answers: { name: input.name },
  };
  return {
    root: input.root,
    newDirectory: dir,
    changes: [
      ...readTemplate(input.templateDir, input.name).map((file) => ({
        type: 'add' as const,
        path: `${dir}/${file.path}`,
        content: file.content,
        mode: file.mode,
      })),
      { type: 'add', path: `${dir}/${PROVENANCE_FILE}`, content: `${JSON.stringify(provenance, null, 2)}\n` },
    ],
  };
}
