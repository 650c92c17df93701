import { assertName, serviceNameProblem } from './names.js';
import type { Plan } from './plan.js';
import { readTemplate } from './template-files.js';
import {
  fileHashes,
  formatProvenance,
  PROVENANCE_FILE,
  templateOrigin,
  type TemplateOrigin,
} from './upgrade/provenance.js';

export { PROVENANCE_FILE } from './upgrade/provenance.js';

export interface ServicePlanInput {
  /** The directory that holds `services/`. */
  root: string;
  templateDir: string;
  name: string;
  generator: { name: string; version: string };
  /** The template's commit and tree; read from git when omitted (none when `templateDir` has uncommitted changes). */
  template?: TemplateOrigin;
}

/** Where a service lives, relative to the root. */
export const serviceDir = (name: string): string => `services/${name}`;

/**
 * A copy of the template as `services/<name>/`, plus its provenance file:
 * which template it came from and a hash of each file, so that `upgrade` can
 * render the same files again as the base of a three-way merge.
 */
export function planService(input: ServicePlanInput): Plan {
  assertName(serviceNameProblem(input.name));
  const dir = serviceDir(input.name);
  const files = readTemplate(input.templateDir, input.name);
  const provenance = formatProvenance({
    generator: input.generator.name,
    version: input.generator.version,
    template: input.template ?? templateOrigin(input.templateDir),
    files: fileHashes(files),
    history: [{ generator: 'service', answers: { name: input.name } }],
  });
  return {
    root: input.root,
    newDirectory: dir,
    changes: [
      ...files.map((file) => ({
        type: 'add' as const,
        path: `${dir}/${file.path}`,
        content: file.content,
        mode: file.mode,
      })),
      { type: 'add', path: `${dir}/${PROVENANCE_FILE}`, content: provenance },
    ],
  };
}

/**
 * What to do after `plop service <name>`, as the generator's last line: the
 * command that starts the service and the requests that show it works. On a
 * dry run, what else would happen.
 */
export function serviceNextSteps(name: string, options: { dryRun: boolean; skipInstall: boolean }): string {
  const dir = serviceDir(name);
  if (options.dryRun) {
    return options.skipInstall ? `would not run npm install (--skip-install)` : `would run npm install in ${dir}`;
  }
  const start = options.skipInstall ? 'npm install && npm start' : 'npm start';
  return [
    'next steps:',
    `  cd ${dir} && ${start}   (PORT=3000 ${start.replace(/.*&& /, '')} for another port)`,
    '  curl localhost:8080/ready',
    '  curl localhost:8080/metrics',
  ].join('\n');
}
