/**
 * The Fastify peer, as its documentation sets it up: Fastify 5 with its own
 * pino logger at info (one line when a request comes in, one when it is
 * answered), fastify-metrics (default metrics, a histogram and a summary by
 * method, route and status) and @fastify/under-pressure, whose status route
 * is the readiness probe and runs the health check on every call.
 */
import underPressure from '@fastify/under-pressure';
import Fastify from 'fastify';
import metricsPlugin from 'fastify-metrics';
import knex from 'knex';

const db = knex({ client: 'pg', connection: process.env.DATABASE_URL });
const app = Fastify({ logger: { level: 'info' } });

// A CommonJS module compiled from ES modules: from an ES module its plugin is `.default`.
await app.register(metricsPlugin.default, { endpoint: '/metrics' });
await app.register(underPressure, {
  exposeStatusRoute: '/ready',
  healthCheck: async () => {
    await db.raw('select 1');
    return true;
  },
});

app.get('/healthz', async () => ({ status: 'ok' }));
app.get<{ Params: { name: string } }>('/greetings/:name', async (request) => ({
  message: `Hello, ${request.params.name}!`,
}));
app.get('/db', async () => {
  await db.raw('select 1');
  return { ok: true };
});

app.addHook('onClose', () => db.destroy());
process.once('SIGTERM', () => void app.close().finally(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
