import { builtinModules } from 'node:module';

/** The name the template uses for itself; the generator replaces it with the service's. */
export const PLACEHOLDER = 'template-service';

const KEBAB = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const PASCAL = /^[A-Z][A-Za-z0-9]*$/;

const RESERVED_SERVICE_NAMES = new Set([
  'node_modules',
  'favicon.ico',
  PLACEHOLDER,
  'template',
  ...builtinModules.filter((name) => !name.includes('/') && !name.startsWith('_')),
]);

/**
 * The template's own checks (`/ready` names must be unique) and the file that
 * registers the checks, `src/checks/index.ts`.
 */
const RESERVED_CHECKER_NAMES = new Set(['database', 'event-loop', 'migrations', 'index']);

/** Names that would shadow a global or a class the generated code imports. */
const RESERVED_MODEL_NAMES = new Set([
  'Model',
  'Object',
  'Function',
  'Array',
  'String',
  'Number',
  'Boolean',
  'Symbol',
  'Promise',
  'Error',
  'Date',
  'Map',
  'Set',
  'JSON',
  'Math',
  'Knex',
  'Buffer',
]);

const KEBAB_RULE =
  'use 2 to 40 characters: lowercase letters, digits and single dashes, starting with a letter and not ending with a dash (e.g. orders, payment-gateway)';

/**
 * Why a service name is refused, or undefined when it is valid. The same
 * function validates the prompt and, again, the actions (node-plop's
 * `runActions` skips prompt validation).
 */
export function serviceNameProblem(name: unknown): string | undefined {
  return (
    kebabProblem('service', name) ??
    (RESERVED_SERVICE_NAMES.has(name as string)
      ? `service name "${String(name)}" is reserved; choose another`
      : undefined)
  );
}

/** Why a checker name is refused, or undefined when it is valid. */
export function checkerNameProblem(name: unknown): string | undefined {
  return (
    kebabProblem('checker', name) ??
    (RESERVED_CHECKER_NAMES.has(name as string)
      ? `checker name "${String(name)}" is taken by the template's own checks (database, event-loop, migrations) or files; choose another`
      : undefined)
  );
}

/** Why a model name is refused, or undefined when it is valid. */
export function modelNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0)
    return 'a model name is required: a PascalCase identifier (e.g. Order, LineItem)';
  if (name.length < 2 || name.length > 40 || !PASCAL.test(name)) {
    return `model name ${JSON.stringify(name)} is invalid: use a PascalCase identifier of 2 to 40 letters and digits, starting with a capital letter (e.g. Order, LineItem)`;
  }
  if (RESERVED_MODEL_NAMES.has(name)) return `model name "${name}" is reserved; choose another`;
  return undefined;
}

function kebabProblem(kind: string, name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return `a ${kind} name is required: ${KEBAB_RULE}`;
  if (name.length < 2 || name.length > 40 || !KEBAB.test(name) || name.includes('--')) {
    return `${kind} name ${JSON.stringify(name)} is invalid: ${KEBAB_RULE}`;
  }
  return undefined;
}

/** Throws the problem with a name, for the actions. */
export function assertName(problem: string | undefined): void {
  if (problem !== undefined) throw new InvalidNameError(problem);
}

export class InvalidNameError extends Error {
  override name = 'InvalidNameError';
}

/** `LineItem` → `line-item` (file names). */
export function kebabCase(pascal: string): string {
  return pascal
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** `payment-gateway` → `paymentGateway` (identifiers). */
export function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** `LineItem` → `line_items` (table names: snake_case, plural). */
export function tableName(pascal: string): string {
  const snake = kebabCase(pascal).replace(/-/g, '_');
  if (/[^aeiou]y$/.test(snake)) return `${snake.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(snake)) return `${snake}es`;
  return `${snake}s`;
}
