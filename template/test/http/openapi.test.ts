import type Router from '@koa/router';
import SwaggerParser from '@apidevtools/swagger-parser';
import anyTest, { type TestFn } from 'ava';
import type Koa from 'koa';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const test = anyTest as TestFn<TestApp>;

test.before(async (t) => {
  t.context = await createTestApp();
});

test.after.always(async (t) => {
  await t.context.close();
});

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
}

/** `METHOD /path/{param}` of every route the app's routers serve, read from their layers. */
function servedRoutes(app: Koa): string[] {
  const routers = app.middleware
    .map((middleware) => (middleware as { router?: Router }).router)
    .filter((router): router is Router => router !== undefined);
  const routes = routers.flatMap((router) =>
    router.stack.flatMap((layer) =>
      layer.methods
        // HEAD is served for every GET by @koa/router; OpenAPI documents the GET.
        .filter((method) => method !== 'HEAD')
        .map((method) => `${method} ${openApiPath(String(layer.path))}`),
    ),
  );
  return [...new Set(routes)].sort();
}

/** `/greetings/:name` → `/greetings/{name}`; `/greetings/` (a prefix and `/`) → `/greetings`. */
function openApiPath(path: string): string {
  const templated = path.replace(/:(\w+)/g, '{$1}');
  return templated.length > 1 ? templated.replace(/\/$/, '') : templated;
}

function documentedRoutes(document: OpenApiDocument): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

async function fetchDocument(t: { context: TestApp }): Promise<OpenApiDocument> {
  const res = await request(t.context.callback).get('/openapi.json').expect(200);
  return res.body as OpenApiDocument;
}

test('GET /openapi.json is an OpenAPI 3.1 document that a real validator accepts', async (t) => {
  const res = await request(t.context.callback).get('/openapi.json').expect(200);
  t.regex(res.type, /^application\/json/);
  const document = res.body as OpenApiDocument;
  t.is(document.openapi, '3.1.0');
  t.is(document.info.title, t.context.container.cradle.service.name);
  // The validator dereferences in place: give it a copy.
  await t.notThrowsAsync(SwaggerParser.validate(structuredClone(document) as never));
});

test('every route the app serves is in the document, and nothing else', async (t) => {
  const document = await fetchDocument(t);
  const served = servedRoutes(t.context.app);
  t.true(served.includes('GET /ready/{check}'), served.join('\n'));
  t.true(served.includes('POST /greetings'), served.join('\n'));
  t.deepEqual(documentedRoutes(document), served);
});

test('every path parameter is declared (the validator checks this only for Swagger 2)', async (t) => {
  const document = await fetchDocument(t);
  for (const [path, operations] of Object.entries(document.paths)) {
    const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    for (const [method, operation] of Object.entries(operations)) {
      const { parameters = [] } = operation as { parameters?: { name: string; in: string; required?: boolean }[] };
      const declared = parameters.filter((parameter) => parameter.in === 'path' && parameter.required);
      t.deepEqual(declared.map((parameter) => parameter.name).sort(), inPath, `${method} ${path}`);
    }
  }
});

test('the routes are documented from the schemas they validate with', async (t) => {
  const document = await fetchDocument(t);
  const post = document.paths['/greetings']!.post as unknown as {
    requestBody: { content: Record<string, { schema: { $ref: string } }> };
    responses: Record<string, { content: Record<string, unknown> }>;
  };
  t.is(post.requestBody.content['application/json']!.schema.$ref, '#/components/schemas/GreetingRequest');
  t.truthy(post.responses['400']!.content['application/problem+json']);
  const schemas = (document as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas;
  t.like(schemas.GreetingRequest, {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
  });
  // What the document says is refused is refused, with the field named.
  const res = await request(t.context.callback).post('/greetings').send({ name: '' }).expect(400);
  t.deepEqual(
    (res.body as { errors: { field: string }[] }).errors.map((error) => error.field),
    ['name'],
  );
});
