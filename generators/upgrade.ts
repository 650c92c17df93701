import type { NodePlopAPI } from 'plop';
import { serviceNameProblem } from '../src/names.js';
import type { RunOptions } from '../src/plan-actions.js';
import { upgrade } from '../src/upgrade/command.js';

export interface UpgradeGeneratorOptions extends RunOptions {
  templateDir: string;
  generator: { name: string; version: string };
}

/**
 * `plop upgrade <service>` from plop's menu, on a terminal. With the service
 * on the command line, plopfile.js runs the command itself instead, so that
 * it can exit 0, 1 or 2 (plop cannot choose an exit code).
 */
export function upgradeGenerator(plop: NodePlopAPI, options: UpgradeGeneratorOptions): void {
  plop.setActionType('upgrade', async (answers) => {
    const lines: string[] = [];
    const code = await upgrade({
      root: plop.getDestBasePath(),
      templateDir: options.templateDir,
      generator: options.generator,
      service: typeof answers.service === 'string' ? answers.service : '',
      dryRun: options.dryRun,
      skipInstall: options.skipInstall,
      out: (line) => lines.push(line),
      err: (line) => lines.push(line),
    });
    if (code === 2) throw new Error(lines.join('\n'));
    return lines.join('\n');
  });
  plop.setGenerator('upgrade', {
    description: 'bring template changes into services/<service> (three-way merge)',
    prompts: [
      {
        type: 'input',
        name: 'service',
        message: 'Service to upgrade (a directory of services/)',
        validate: (value: unknown) => serviceNameProblem(value) ?? true,
      },
    ],
    actions: [{ type: 'upgrade' }],
  });
}
