import Router from '@koa/router';
import { z } from 'zod';
import { jsonBody } from '../../http/json-body.js';
import type { GreetingMetrics } from './metrics.js';

const Name = z.string().trim().min(1).max(64);
const GreetingRequest = z.object({ name: Name });

/**
 * An example module: `GET /greetings/:name` and `POST /greetings` with a JSON
 * body `{"name": "…"}`. Invalid input is a 400 with a message saying why.
 */
export function createGreetingsRouter({ greetingMetrics }: { greetingMetrics: GreetingMetrics }): Router {
  const router = new Router({ prefix: '/greetings' });

  router.get('/:name', (ctx) => {
    const name = Name.safeParse(ctx.params.name);
    if (!name.success) return ctx.throw(400, 'name must be 1 to 64 characters');
    greetingMetrics.greetings.inc({ greeting_source: 'path' });
    ctx.body = { message: `Hello, ${name.data}!` };
  });

  router.post('/', jsonBody(), (ctx) => {
    const request = GreetingRequest.safeParse(ctx.request.body);
    if (!request.success) return ctx.throw(400, 'body must be {"name": string of 1 to 64 characters}');
    greetingMetrics.greetings.inc({ greeting_source: 'body' });
    ctx.status = 201;
    ctx.body = { message: `Hello, ${request.data.name}!` };
  });

  return router;
}
