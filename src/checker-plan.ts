import { existsSync } from 'node:fs';
import path from 'node:path';
import { existingService, readText } from './existing-service.js';
import { insertAtMarker } from './markers.js';
import { assertName, camelCase, checkerNameProblem } from './names.js';
import { PlanError, type Plan } from './plan.js';
import { historyChange } from './upgrade/provenance.js';

export const CHECKER_IMPORTS_MARKER = 'plop:checker-imports';
export const CHECKERS_MARKER = 'plop:checkers';

export interface CheckerPlanInput {
  root: string;
  service: string;
  name: string;
}

/**
 * A stub checker with its test, registered in the service's
 * `src/checks/index.ts`; the run is appended to the service's history, which
 * `upgrade` replays.
 */
export function planChecker(input: CheckerPlanInput): Plan {
  assertName(checkerNameProblem(input.name));
  const dir = existingService(input.root, input.service);
  const factory = `create${camelCase(`-${input.name}`)}Checker`;
  const checkerFile = `${dir}/src/checks/${input.name}.ts`;
  const testFile = `${dir}/test/checks/${input.name}.test.ts`;
  const indexFile = `${dir}/src/checks/index.ts`;
  if (existsSync(path.join(input.root, checkerFile))) {
    throw new PlanError(`checker "${input.name}" already exists in ${checkerFile}; nothing was written`);
  }
  const before = readText(input.root, indexFile);
  if (before.includes(`name: '${input.name}'`) || before.includes(`${factory}(`)) {
    throw new PlanError(`a checker named "${input.name}" is already registered in ${indexFile}; nothing was written`);
  }
  let index = insertAtMarker(
    before,
    CHECKER_IMPORTS_MARKER,
    `import { ${factory} } from './${input.name}.js';`,
    indexFile,
  );
  index = insertAtMarker(index, CHECKERS_MARKER, `health.register(${factory}());`, indexFile);
  return {
    root: input.root,
    changes: [
      { type: 'add', path: checkerFile, content: checkerSource(input.name, factory) },
      { type: 'add', path: testFile, content: checkerTestSource(input.name, factory) },
      { type: 'modify', path: indexFile, before, content: index },
      ...historyChange(input.root, dir, { generator: 'checker', answers: { name: input.name } }),
    ],
  };
}

function checkerSource(name: string, factory: string): string {
  return `import type { HealthChecker } from '../health/types.js';

/**
 * Readiness check "${name}": it passes until you give it a real call.
 *
 * Put the call to the dependency in \`check\` and pass \`signal\` on to it
 * (\`fetch(url, { signal })\`, \`db.raw(…)\` with a timeout, a client's own abort
 * option): the registry aborts the signal at the check's timeout, and the call
 * must stop then rather than hold a socket or a connection. Throw (or reject)
 * to fail; throw a HealthCheckError for a message that \`/ready\` may show.
 * Return \`{ status: 'warn' }\` for a degraded state that should not fail
 * readiness, and \`observedValue\`/\`observedUnit\` for what you measured.
 */
export function ${factory}(): HealthChecker {
  return {
    name: '${name}',
    // critical: false, // a failure then only warns (200) instead of failing readiness (503)
    // timeoutMs: 500, // default: HEALTH_TIMEOUT_MS
    async check(signal) {
      // e.g. const res = await fetch('http://dependency/healthz', { signal });
      //      if (!res.ok) throw new HealthCheckError(\`dependency answered \${res.status}\`);
      signal.throwIfAborted();
    },
  };
}
`;
}

function checkerTestSource(name: string, factory: string): string {
  return `import test from 'ava';
import { ${factory} } from '../../src/checks/${name}.js';
import { HealthRegistry } from '../../src/health/registry.js';

test('${name} passes and is registered under its name', async (t) => {
  const health = new HealthRegistry({ timeoutMs: 800, cacheMs: 0 });
  health.register(${factory}());
  const report = await health.reportOne('${name}');
  t.is(report?.checks['${name}']?.status, 'pass');
});
`;
}
