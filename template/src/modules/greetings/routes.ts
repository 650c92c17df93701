import Router from '@koa/router';
import { z } from 'zod';
import { jsonBody } from '../../http/json-body.js';
import { problemResponses, type ApiDocs } from '../../http/openapi.js';
import { validate } from '../../http/validate.js';
import type { GreetingMetrics } from './metrics.js';

const Name = z.string().trim().min(1).max(64);
const GreetingParams = z.object({ name: Name });
const GreetingRequest = z.object({ name: Name }).meta({ id: 'GreetingRequest' });
const Greeting = z.object({ message: z.string() }).meta({ id: 'Greeting' });

/**
 * An example module: `GET /greetings/:name` and `POST /greetings` with a JSON
 * body `{"name": "…"}`. Invalid input is a 400 naming the field and why. The
 * schemas that validate the input also document the routes in `/openapi.json`.
 */
export function createGreetingsRouter(
  { greetingMetrics }: { greetingMetrics: GreetingMetrics },
  docs: ApiDocs,
): Router {
  const router = new Router({ prefix: '/greetings' });

  docs.registerPath({
    method: 'get',
    path: '/greetings/{name}',
    summary: 'Greet the name in the path',
    tags: ['greetings'],
    request: { params: GreetingParams },
    responses: {
      200: { description: 'A greeting.', content: { 'application/json': { schema: Greeting } } },
      ...problemResponses(400),
    },
  });
  router.get('/:name', (ctx) => {
    const { name } = validate(ctx, GreetingParams, ctx.params);
    greetingMetrics.greetings.inc({ greeting_source: 'path' });
    ctx.body = { message: `Hello, ${name}!` };
  });

  docs.registerPath({
    method: 'post',
    path: '/greetings',
    summary: 'Greet the name in the body',
    tags: ['greetings'],
    request: { body: { content: { 'application/json': { schema: GreetingRequest } }, required: true } },
    responses: {
      201: { description: 'A greeting.', content: { 'application/json': { schema: Greeting } } },
      ...problemResponses(400, 413),
    },
  });
  router.post('/', jsonBody(), (ctx) => {
    const { name } = validate(ctx, GreetingRequest, ctx.request.body);
    greetingMetrics.greetings.inc({ greeting_source: 'body' });
    ctx.status = 201;
    ctx.body = { message: `Hello, ${name}!` };
  });

  return router;
}
