import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { existingService, readText } from './existing-service.js';
import { insertAtMarker } from './markers.js';
import { modelPath, nextTimestamp, planModelFiles } from './model-plan.js';
import { assertName, camelCase, kebabCase, modelNameProblem, tableName } from './names.js';
import { PlanError, type FileChange, type Plan } from './plan.js';
import { historyChange } from './upgrade/provenance.js';

export const MODULE_IMPORTS_MARKER = 'plop:module-imports';
export const MODULE_ROUTERS_MARKER = 'plop:module-routers';

/** Names the template's own OpenAPI components and module already take. */
const RESERVED_MODULE_NAMES = new Set(['Problem', 'HealthBody', 'GreetingRequest']);

export interface ModulePlanInput {
  root: string;
  service: string;
  /** The model's name, PascalCase (`LineItem`): the resource is its table, `/line-items`. */
  name: string;
  now?: Date;
  /**
   * The migration of the model the module created, as the service's history
   * recorded it. Without it, an existing model is used, or a new one created.
   * Replaying the history gives the same files.
   */
  migration?: string;
  /** The migration that made an existing model's `name` unique, as the history recorded it. */
  uniqueMigration?: string;
}

/** What a module is called in each place, from its model's name. */
export interface ModuleNames {
  /** `LineItem`: the model's class. */
  model: string;
  /** `line-item`: the model's file. */
  modelFile: string;
  /** `line_items`: the table. */
  table: string;
  /** `line-items`: the path segment and the module's directory. */
  resource: string;
  /** `createLineItemsRouter`. */
  factory: string;
  /** `line item`: how messages name one row. */
  label: string;
  /** `a line item`, `an order`. */
  one: string;
}

export function moduleNames(model: string): ModuleNames {
  const table = tableName(model);
  const resource = table.replace(/_/g, '-');
  const label = kebabCase(model).replace(/-/g, ' ');
  return {
    model,
    modelFile: kebabCase(model),
    table,
    resource,
    factory: `create${camelCase(`-${resource}`)}Router`,
    label,
    one: `${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label}`,
  };
}

/** The longest path segment a module may have: it names directories and imports, which must fit a line. */
const RESOURCE_MAX = 40;

/** Why a module name is refused, or undefined when it is valid: a model name the template does not already use. */
export function moduleNameProblem(name: unknown): string | undefined {
  const problem = modelNameProblem(name);
  if (problem !== undefined) return problem;
  const model = name as string;
  if (RESERVED_MODULE_NAMES.has(model)) {
    return `module name "${model}" is taken by the template's own schemas; choose another`;
  }
  const { resource } = moduleNames(model);
  if (resource.length > RESOURCE_MAX) {
    return `module name "${model}" gives the path /${resource}, longer than ${RESOURCE_MAX} characters; choose a shorter name`;
  }
  return undefined;
}

/**
 * A database-backed resource: list (paginated), get, create, update and
 * delete under `/<resource>`, with its zod schemas, its test, and its
 * registration in the service's `src/app.ts`. It uses the service's model of
 * that name when there is one (from `plop model`), with a migration making
 * its `name` unique, else creates the model and its migration with `name`
 * unique: a taken name is a 409. The run is appended to the service's
 * history, which `upgrade` replays.
 */
export function planModule(input: ModulePlanInput): Plan {
  assertName(moduleNameProblem(input.name));
  const dir = existingService(input.root, input.service);
  const names = moduleNames(input.name);
  const moduleDir = `${dir}/src/modules/${names.resource}`;
  if (existsSync(path.join(input.root, moduleDir))) {
    throw new PlanError(`module ${names.resource} already exists in ${moduleDir}; nothing was written`);
  }
  const appFile = `${dir}/src/app.ts`;
  const before = readText(input.root, appFile);
  if (before.includes(`${names.factory}(`)) {
    throw new PlanError(`${names.factory} is already registered in ${appFile}; nothing was written`);
  }
  let app = insertAtMarker(
    before,
    MODULE_IMPORTS_MARKER,
    `import { ${names.factory} } from './modules/${names.resource}/routes.js';`,
    appFile,
  );
  app = insertAtMarker(app, MODULE_ROUTERS_MARKER, `${names.factory}(container.cradle, docs),`, appFile);

  const reuse = input.migration === undefined && existsSync(path.join(input.root, modelPath(dir, input.name)));
  const model = reuse
    ? undefined
    : planModelFiles({ ...input, uniqueName: true, ...(input.now && { now: input.now }) });
  const unique = reuse ? uniqueNameMigration(input, dir, names.table) : undefined;
  const changes: FileChange[] = [
    ...(model?.changes ?? []),
    ...(unique ? [unique.change] : []),
    { type: 'add', path: `${moduleDir}/schemas.ts`, content: schemasSource(names) },
    { type: 'add', path: `${moduleDir}/routes.ts`, content: routesSource(names) },
    { type: 'add', path: `${dir}/test/modules/${names.resource}/routes.test.ts`, content: routesTestSource(names) },
    { type: 'modify', path: appFile, before, content: app },
  ];
  const answers: Record<string, string> = {
    name: input.name,
    ...(model && { migration: model.migration }),
    ...(unique && { uniqueMigration: unique.name }),
  };
  return {
    root: input.root,
    changes: [...changes, ...historyChange(input.root, dir, { generator: 'module', answers })],
  };
}

/**
 * For a model that exists already (from `plop model`): a migration that makes
 * its `name` unique, as the module's 409 on a taken name needs.
 */
function uniqueNameMigration(input: ModulePlanInput, dir: string, table: string): { name: string; change: FileChange } {
  const migrationsDir = path.join(input.root, dir, 'migrations');
  const existing = existsSync(migrationsDir) ? readdirSync(migrationsDir) : [];
  const name = input.uniqueMigration ?? `${nextTimestamp(input.now ?? new Date(), existing)}_unique_${table}_name.ts`;
  if (!new RegExp(`^\\d{14}_unique_${table}_name\\.ts$`).test(name)) {
    throw new PlanError(`migration ${name} does not make ${table}.name unique; nothing was written`);
  }
  return { name, change: { type: 'add', path: `${dir}/migrations/${name}`, content: uniqueMigrationSource(table) } };
}

function uniqueMigrationSource(table: string): string {
  return `import type { Knex } from 'knex';

// The ${table} module answers a name that is taken with 409: the table must keep names unique.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('${table}', (table) => {
    table.unique(['name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('${table}', (table) => {
    table.dropUnique(['name']);
  });
}
`;
}

function schemasSource({ model, resource, one }: ModuleNames): string {
  return `import { z } from 'zod';

/** The largest page a client may ask for: a list never reads the whole table. */
export const PAGE_SIZE_MAX = 100;

const Name = z.string().trim().min(1).max(255);

/** ${one[0]!.toUpperCase()}${one.slice(1)} as the API shows it. Add a field here, in the model and in a migration. */
export const Item = z
  .object({
    id: z.number().int(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: '${model}' });

/** \`POST /${resource}\`. An unknown field is refused, not dropped: a misspelt one is a 400, not a silent no-op. */
export const Input = z.strictObject({ name: Name }).meta({ id: '${model}Input' });

/** \`PATCH /${resource}/:id\`: the fields to change, at least one. */
export const Patch = Input.partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'give at least one field to change' })
  .meta({ id: '${model}Patch' });

/** \`:id\`: a positive integer within the \`integer\` column's range, so no query fails on it. */
export const Params = z.object({
  id: z.coerce.number().int().min(1).max(2_147_483_647),
});

/** \`GET /${resource}?page=&pageSize=\`, both optional. */
export const ListQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).default(20),
});

export const Page = z
  .object({
    items: z.array(Item),
    page: z.number().int(),
    pageSize: z.number().int(),
    total: z.number().int(),
  })
  .meta({ id: '${model}Page' });
`;
}

function routesSource({ model, modelFile, resource, factory, label, one }: ModuleNames): string {
  return `import Router from '@koa/router';
import type { Knex } from 'knex';
import type { z } from 'zod';
import { jsonBody } from '../../http/json-body.js';
import { problemResponses, type ApiDocs } from '../../http/openapi.js';
import { validate } from '../../http/validate.js';
import { ${model} } from '../../models/${modelFile}.js';
import { Input, Item, ListQuery, Page, Params, Patch } from './schemas.js';

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });

/**
 * \`/${resource}\`: list (paginated), get, create, update and delete. Every
 * input is validated by a schema of \`schemas.ts\` (a 400 naming the field),
 * and the same schemas document the routes in \`/openapi.json\`. A name
 * already taken breaks the table's unique constraint: the error handler
 * answers 409, as it answers every constraint violation (never a 500).
 */
export function ${factory}({ db }: { db: Knex }, docs: ApiDocs): Router {
  const router = new Router();
  const tags = ['${resource}'];
  const notFound = (id: number) => \`no ${label} with id \${id}\`;

  docs.registerPath({
    method: 'get',
    path: '/${resource}',
    summary: 'List ${label}s, oldest first',
    tags,
    request: { query: ListQuery },
    responses: {
      200: { description: 'One page.', content: json(Page) },
      ...problemResponses(400, 503),
    },
  });
  router.get('/${resource}', async (ctx) => {
    const { page, pageSize } = validate(ctx, ListQuery, ctx.query);
    const offset = (page - 1) * pageSize;
    const [rows, total] = await Promise.all([
      ${model}.query(db).orderBy('id').limit(pageSize).offset(offset),
      ${model}.query(db).resultSize(),
    ]);
    ctx.body = { items: rows.map(toItem), page, pageSize, total };
  });

  docs.registerPath({
    method: 'get',
    path: '/${resource}/{id}',
    summary: 'One ${label}',
    tags,
    request: { params: Params },
    responses: {
      200: { description: 'The ${label}.', content: json(Item) },
      ...problemResponses(400, 404, 503),
    },
  });
  router.get('/${resource}/:id', async (ctx) => {
    const { id } = validate(ctx, Params, ctx.params);
    const row = await ${model}.query(db).findById(id);
    if (!row) return ctx.throw(404, notFound(id));
    ctx.body = toItem(row);
  });

  docs.registerPath({
    method: 'post',
    path: '/${resource}',
    summary: 'Create ${one}',
    tags,
    request: { body: { content: json(Input), required: true } },
    responses: {
      201: { description: 'Created; \`Location\` is its URL.', content: json(Item) },
      ...problemResponses(400, 409, 413, 422, 503),
    },
  });
  router.post('/${resource}', jsonBody(), async (ctx) => {
    const input = validate(ctx, Input, ctx.request.body);
    const row = await ${model}.query(db).insert(input).returning('*');
    ctx.status = 201;
    ctx.set('Location', \`/${resource}/\${row.id}\`);
    ctx.body = toItem(row);
  });

  docs.registerPath({
    method: 'patch',
    path: '/${resource}/{id}',
    summary: 'Change ${one}',
    tags,
    request: {
      params: Params,
      body: { content: json(Patch), required: true },
    },
    responses: {
      200: { description: 'The ${label}, changed.', content: json(Item) },
      ...problemResponses(400, 404, 409, 413, 422, 503),
    },
  });
  router.patch('/${resource}/:id', jsonBody(), async (ctx) => {
    const { id } = validate(ctx, Params, ctx.params);
    const patch = validate(ctx, Patch, ctx.request.body);
    const row = await ${model}.query(db).patchAndFetchById(id, patch);
    if (!row) return ctx.throw(404, notFound(id));
    ctx.body = toItem(row);
  });

  docs.registerPath({
    method: 'delete',
    path: '/${resource}/{id}',
    summary: 'Delete ${one}',
    tags,
    request: { params: Params },
    responses: {
      204: { description: 'Deleted.' },
      ...problemResponses(400, 404, 422, 503),
    },
  });
  router.delete('/${resource}/:id', async (ctx) => {
    const { id } = validate(ctx, Params, ctx.params);
    // RETURNING says whether a row went, the same on PostgreSQL and PGlite (whose count knex does not read).
    const deleted = await ${model}.query(db).deleteById(id).returning('id');
    if (!deleted) return ctx.throw(404, notFound(id));
    ctx.status = 204;
  });

  return router;
}

/** The row as the API shows it (\`Item\`): dates as ISO 8601 strings. */
function toItem(row: ${model}): z.output<typeof Item> {
  return {
    id: row.id,
    name: row.name,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
`;
}

function routesTestSource({ resource, table, one }: ModuleNames): string {
  return `import anyTest, { type TestFn } from 'ava';
import request from 'supertest';
import { Item, Page, PAGE_SIZE_MAX } from '../../../src/modules/${resource}/schemas.js';
import { metricValue, parseMetrics } from '../../faults/support.js';
import { createTestApp, migrated, type TestApp } from '../../helpers/test-app.js';

const test = anyTest as TestFn<TestApp>;

test.before(async (t) => {
  t.context = await migrated(await createTestApp());
});

test.after.always(async (t) => {
  await t.context.close();
});

const PATH = '/${resource}';

const api = (t: { context: TestApp }) => request(t.context.callback);

/** The fields a 400 names, from its \`errors\`. */
const fields = (res: { body: unknown }): string[] =>
  (res.body as { errors: { field: string }[] }).errors.map((error) => error.field);

const total = async (t: { context: TestApp }): Promise<number> =>
  Page.parse((await api(t).get(PATH).expect(200)).body).total;

test.serial('create, get, change, list and delete ${one}', async (t) => {
  const created = await api(t).post(PATH).send({ name: 'first' }).expect(201);
  const row = Item.parse(created.body);
  t.is(row.name, 'first');
  t.is(created.headers.location, \`\${PATH}/\${row.id}\`);

  const url = \`\${PATH}/\${row.id}\`;
  t.deepEqual((await api(t).get(url).expect(200)).body, row);

  const changed = Item.parse((await api(t).patch(url).send({ name: 'renamed' }).expect(200)).body);
  t.is(changed.name, 'renamed');
  t.true(changed.updatedAt >= row.updatedAt);

  const list = Page.parse((await api(t).get(PATH).expect(200)).body);
  t.true(list.items.some((item) => item.id === row.id && item.name === 'renamed'));

  await api(t).delete(url).expect(204);
  await api(t).get(url).expect(404);
  await api(t).delete(url).expect(404);
  await api(t).patch(url).send({ name: 'gone' }).expect(404);
});

test.serial('the list is paginated, and its page size is bounded', async (t) => {
  for (const name of ['page-a', 'page-b', 'page-c']) {
    await api(t).post(PATH).send({ name }).expect(201);
  }
  const first = Page.parse((await api(t).get(PATH).query({ pageSize: 2 }).expect(200)).body);
  const second = Page.parse((await api(t).get(PATH).query({ pageSize: 2, page: 2 }).expect(200)).body);
  t.is(first.items.length, 2);
  t.true(first.total >= 3);
  const overlap = first.items.filter((item) => second.items.some((other) => other.id === item.id));
  t.deepEqual(overlap, [], 'pages do not overlap');
  const tooMany = { pageSize: PAGE_SIZE_MAX + 1 };
  const tooBig = await api(t).get(PATH).query(tooMany);
  t.is(tooBig.status, 400);
  t.deepEqual(fields(tooBig), ['pageSize']);
});

test.serial('invalid input is a 400 problem naming each wrong field, and writes nothing', async (t) => {
  const before = await total(t);
  const long = 'x'.repeat(256);
  const cases: [string, () => request.Test, string[]][] = [
    ['an empty name', () => api(t).post(PATH).send({ name: '' }), ['name']],
    ['no name, an unknown field', () => api(t).post(PATH).send({ nmae: 'x' }), ['name', '(input)']],
    ['a name too long', () => api(t).post(PATH).send({ name: long }), ['name']],
    ['an empty change', () => api(t).patch(\`\${PATH}/1\`).send({}), ['(input)']],
    ['an id that is not a number', () => api(t).get(\`\${PATH}/abc\`), ['id']],
    ['an id out of range', () => api(t).get(\`\${PATH}/99999999999\`), ['id']],
    ['a page of 0', () => api(t).get(PATH).query({ page: 0 }), ['page']],
  ];
  for (const [what, send, expected] of cases) {
    const res = await send();
    t.is(res.status, 400, \`\${what}: \${res.text}\`);
    t.is(res.type, 'application/problem+json', what);
    t.deepEqual(fields(res).sort(), [...expected].sort(), what);
  }
  const malformed = await api(t).post(PATH).type('json').send('{"name":');
  t.is(malformed.status, 400);
  t.is(await total(t), before);
});

test.serial('a name that is taken is a 409 problem, on create and on change, never a 500', async (t) => {
  await api(t).post(PATH).send({ name: 'taken' }).expect(201);
  const duplicate = await api(t).post(PATH).send({ name: 'taken' });
  t.is(duplicate.status, 409, duplicate.text);
  t.is(duplicate.type, 'application/problem+json');
  const other = Item.parse((await api(t).post(PATH).send({ name: 'free' }).expect(201)).body);
  const renamed = await api(t).patch(\`\${PATH}/\${other.id}\`).send({ name: 'taken' });
  t.is(renamed.status, 409, renamed.text);
});

test.serial('its routes are in the HTTP metrics by template, its queries by table', async (t) => {
  const samples = parseMetrics((await api(t).get('/metrics').expect(200)).text);
  const requests = (method: string, route: string, status: string) =>
    metricValue(samples, 'http_server_requests_total', {
      http_request_method: method,
      http_route: route,
      http_response_status_code: status,
    });
  t.true(requests('GET', PATH, '200') >= 1);
  t.true(requests('GET', \`\${PATH}/:id\`, '200') >= 1);
  t.true(requests('POST', PATH, '201') >= 1);
  t.true(requests('POST', PATH, '409') >= 1);
  t.true(requests('PATCH', \`\${PATH}/:id\`, '200') >= 1);
  t.true(requests('DELETE', \`\${PATH}/:id\`, '204') >= 1);
  const routes = samples.filter((s) => s.name === 'http_server_requests_total').map((s) => s.labels.http_route);
  t.false(
    routes.some((route) => route?.startsWith(\`\${PATH}/\`) && route !== \`\${PATH}/:id\`),
    'no series per id',
  );
  const queries = (labels: Record<string, string>) =>
    metricValue(samples, 'db_client_operation_duration_seconds_count', {
      db_collection_name: '${table}',
      ...labels,
    });
  for (const operation of ['select', 'insert', 'update', 'delete']) {
    t.true(queries({ db_operation_name: operation }) >= 1, operation);
  }
  const duplicates = queries({ db_operation_name: 'insert', error_type: '23505' });
  t.true(duplicates >= 1, 'the duplicate is counted under its SQLSTATE');
});

test.serial('its routes are in /openapi.json, from its schemas', async (t) => {
  const res = await api(t).get('/openapi.json').expect(200);
  const document = res.body as { paths: Record<string, object>; components: { schemas: Record<string, unknown> } };
  t.deepEqual(Object.keys(document.paths[PATH] ?? {}).sort(), ['get', 'post']);
  t.deepEqual(Object.keys(document.paths[\`\${PATH}/{id}\`] ?? {}).sort(), ['delete', 'get', 'patch']);
  const schemas = Object.values(document.components.schemas);
  t.true(schemas.some((schema) => JSON.stringify(schema).includes('"maxLength":255')));
});
`;
}
