import Router from '@koa/router';
import { z } from 'zod';
import type { ServiceIdentity } from '../service.js';
import { openApiDocument, type ApiDocs } from './openapi.js';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the app's routes. It is
 * built on the first request, once every router has registered its paths,
 * and then served from memory.
 */
export function createOpenApiRouter(docs: ApiDocs, service: ServiceIdentity): Router {
  docs.registerPath({
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tags: ['meta'],
    responses: {
      200: {
        description: 'The OpenAPI 3.1 document of this service.',
        content: { 'application/json': { schema: z.object({ openapi: z.string() }).loose() } },
      },
    },
  });
  let document: string | undefined;
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    document ??= JSON.stringify(openApiDocument(docs, service));
    ctx.type = 'application/json';
    ctx.body = document;
  });
  return router;
}
